/**
 * The programmatic entry of ecs-local (`import … from "ecs-local"`): synthesize a CDK app, read
 * its cloud assembly, and build the typed model the runtime runs, without starting anything.
 * The CLI (`ecs-local up`) is the way to run the services.
 */
export {
  type CloudAssembly,
  pickStack,
  readCloudAssembly,
  type StackArtifact,
} from "./assembly/cloud-assembly.js";
export { type SynthesizeOptions, synthesize } from "./assembly/synthesize.js";
export {
  AssemblyError,
  BuildStepError,
  BuildStepFailedError,
  DockerfileError,
  EcsLocalError,
  HostRequirementError,
  ListenerPortError,
  NoRunError,
  SandboxError,
  SandboxUnavailableError,
  TemplateError,
  UsageError,
} from "./errors.js";
export { type BuildModelOptions, buildModel } from "./model/build-model.js";
export type { CfnParameter, CfnResource, CfnTemplate, ImageAsset } from "./model/template.js";
export type * from "./model/types.js";
