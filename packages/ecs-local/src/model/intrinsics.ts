/**
 * A pure resolver for the CloudFormation intrinsic functions CDK emits. Resolution is lazy: the
 * model resolves only the properties it reads, so an `Fn::ImportValue` in, say, a subnet list
 * of an emulated service never stops ecs-local.
 *
 * References to resources resolve to stable symbolic values, because nothing is deployed:
 * `Ref X` → `X` (the model cross-references by logical ID), `Fn::GetAtt X.Arn` →
 * `arn:aws:local:::X`, `Fn::GetAtt X.Name` → the resource's name property, else `X`; any other
 * attribute (`GroupId`, `Id`, `DNSName`, …) → `X`.
 */
import { TemplateError } from "../errors.js";
import type { CfnTemplate } from "./template.js";
import type { Origin } from "./types.js";

/**
 * Local stand-ins for the pseudo parameters; no AWS account is involved. The region is the
 * one every part of a run agrees on: `AWS::Region` in templates, `AWS_REGION` in tasks, ARNs.
 */
export const LOCAL_PSEUDO_DEFAULTS = {
  region: "local-1",
  accountId: "000000000000",
  partition: "aws",
  urlSuffix: "amazonaws.com",
} as const;

export interface ResolveContext {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  /** Values given for parameters; a parameter without one uses its `Default`. */
  readonly parameterValues: Readonly<Record<string, string>>;
}

export interface ResolveContextOptions {
  readonly stackName: string;
  /** @default "local-1" */
  readonly region?: string;
  /** @default "000000000000" */
  readonly accountId?: string;
  /** @default {} — every parameter takes its default */
  readonly parameterValues?: Readonly<Record<string, string>>;
}

export function createResolveContext(
  template: CfnTemplate,
  options: ResolveContextOptions,
): ResolveContext {
  return {
    template,
    stackName: options.stackName,
    region: options.region ?? LOCAL_PSEUDO_DEFAULTS.region,
    accountId: options.accountId ?? LOCAL_PSEUDO_DEFAULTS.accountId,
    partition: LOCAL_PSEUDO_DEFAULTS.partition,
    urlSuffix: LOCAL_PSEUDO_DEFAULTS.urlSuffix,
    parameterValues: options.parameterValues ?? {},
  };
}

const SUPPORTED =
  "Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap, " +
  "Fn::GetAZs, Fn::Base64, Fn::Length, Fn::ToJsonString";

/** `AWS::NoValue` removes the property or list element that holds it. */
const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

/** The symbolic ARN `Fn::GetAtt X.Arn` resolves to. */
export function symbolicArn(logicalId: string): string {
  return `arn:aws:local:::${logicalId}`;
}

const SYMBOLIC_ARN = /^arn:aws:local:::(.+)$/;

/**
 * The logical ID a `Ref` or `Fn::GetAtt` points to, read from the syntax alone (no template
 * needed). Pseudo parameters (`AWS::…`) give `undefined`; callers check that the ID names a
 * resource of the kind they expect.
 */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (typeof value.Ref === "string") {
    return value.Ref.startsWith("AWS::") ? undefined : value.Ref;
  }
  const getAtt = value["Fn::GetAtt"];
  if (typeof getAtt === "string") return getAtt.split(".")[0] || undefined;
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  return undefined;
}

/**
 * The logical ID of the template resource `value` refers to: a `Ref`/`Fn::GetAtt` to a
 * resource, or anything that resolves to a resource's logical ID or symbolic ARN (e.g. through
 * an `Fn::If` or a `Fn::Select`). `undefined` when it names no resource of this template, e.g.
 * a plain name or an imported ARN.
 */
export function resolveLogicalId(
  value: unknown,
  ctx: ResolveContext,
  origin: Origin,
): string | undefined {
  const resources = ctx.template.Resources ?? {};
  const direct = referencedLogicalId(value);
  if (direct !== undefined && Object.hasOwn(resources, direct)) return direct;
  if (value === undefined) return undefined;
  const resolved = resolve(value, ctx, origin);
  if (typeof resolved !== "string") return undefined;
  const fromArn = SYMBOLIC_ARN.exec(resolved)?.[1];
  const id = fromArn ?? resolved;
  return Object.hasOwn(resources, id) ? id : undefined;
}

/**
 * Resolves every intrinsic inside `value`, deeply. `origin` names the resource being read, for
 * errors. Returns `undefined` when the whole value is `AWS::NoValue`.
 */
export function resolve(value: unknown, ctx: ResolveContext, origin: Origin): unknown {
  const resolved = resolveAny(value, ctx, origin);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** Evaluates the named template condition (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`). */
export function evaluateCondition(name: string, ctx: ResolveContext, origin: Origin): boolean {
  return conditionByName(name, ctx, origin, []);
}

function resolveAny(value: unknown, ctx: ResolveContext, origin: Origin): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveAny(item, ctx, origin)).filter((item) => item !== NO_VALUE);
  }
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only !== undefined && (only === "Ref" || only.startsWith("Fn::"))) {
    return intrinsic(only, value[only], ctx, origin);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const item = resolveAny(value[key], ctx, origin);
    if (item !== NO_VALUE) out[key] = item;
  }
  return out;
}

function intrinsic(name: string, arg: unknown, ctx: ResolveContext, origin: Origin): unknown {
  switch (name) {
    case "Ref":
      return ref(expectString(resolveAny(arg, ctx, origin), name, origin), ctx, origin);
    case "Fn::GetAtt":
      return getAtt(arg, ctx, origin);
    case "Fn::Join": {
      const [delimiter, list] = expectArgs(arg, 2, name, origin);
      const items = expectList(resolveAny(list, ctx, origin), name, origin);
      return items.map((item) => scalarString(item, name, origin)).join(String(delimiter));
    }
    case "Fn::Sub":
      return sub(arg, ctx, origin);
    case "Fn::Select": {
      const [rawIndex, list] = expectArgs(arg, 2, name, origin);
      const index = Number(resolveAny(rawIndex, ctx, origin));
      const items = expectList(resolveAny(list, ctx, origin), name, origin);
      if (!Number.isInteger(index) || index < 0 || index >= items.length) {
        throw fail(
          origin,
          `Fn::Select index ${String(rawIndex)} is outside the list of ${items.length} item(s).`,
          "Use an index from 0 to the list length minus one.",
        );
      }
      return items[index];
    }
    case "Fn::Split": {
      const [delimiter, source] = expectArgs(arg, 2, name, origin);
      const text = scalarString(resolveAny(source, ctx, origin), name, origin);
      return text.split(String(delimiter));
    }
    case "Fn::If": {
      const [condition, whenTrue, whenFalse] = expectArgs(arg, 3, name, origin);
      const chosen = evaluateCondition(expectString(condition, name, origin), ctx, origin)
        ? whenTrue
        : whenFalse;
      return resolveAny(chosen, ctx, origin);
    }
    case "Fn::FindInMap": {
      const [map, top, second] = expectArgs(arg, 3, name, origin).map((part) =>
        scalarString(resolveAny(part, ctx, origin), name, origin),
      );
      const found = lookup(ctx.template.Mappings, [map ?? "", top ?? "", second ?? ""]);
      if (found === undefined) {
        throw fail(
          origin,
          `Fn::FindInMap found no value at ${map}.${top}.${second}.`,
          "Add that key to the template's Mappings, or fix the lookup keys.",
        );
      }
      return resolveAny(found, ctx, origin);
    }
    case "Fn::GetAZs":
      // Two zones is what CDK assumes for an environment-agnostic stack.
      return [`${ctx.region}a`, `${ctx.region}b`];
    case "Fn::Base64":
      return Buffer.from(scalarString(resolveAny(arg, ctx, origin), name, origin)).toString(
        "base64",
      );
    case "Fn::Length":
      return expectList(resolveAny(arg, ctx, origin), name, origin).length;
    case "Fn::ToJsonString":
      return JSON.stringify(resolveAny(arg, ctx, origin));
    case "Fn::ImportValue": {
      const exportName = resolveAny(arg, ctx, origin);
      throw fail(
        origin,
        `Fn::ImportValue "${String(exportName)}" reads an export of another stack, which ecs-local cannot see (it runs one stack and deploys nothing).`,
        "Define the value in this stack, or pass it in as a stack parameter with a default, for the properties ecs-local reads.",
      );
    }
    default:
      throw fail(
        origin,
        `uses ${name}, which ecs-local does not resolve.`,
        `ecs-local resolves ${SUPPORTED}; express this property with those, or open an issue with the template snippet.`,
      );
  }
}

function ref(name: string, ctx: ResolveContext, origin: Origin): unknown {
  switch (name) {
    case "AWS::Region":
      return ctx.region;
    case "AWS::AccountId":
      return ctx.accountId;
    case "AWS::Partition":
      return ctx.partition;
    case "AWS::URLSuffix":
      return ctx.urlSuffix;
    case "AWS::StackName":
      return ctx.stackName;
    case "AWS::StackId":
      return `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.accountId}:stack/${ctx.stackName}/local`;
    case "AWS::NotificationARNs":
      return [];
    case "AWS::NoValue":
      return NO_VALUE;
  }
  const parameter = ctx.template.Parameters?.[name];
  if (parameter !== undefined) return parameterValue(name, parameter, ctx, origin);
  if (ctx.template.Resources !== undefined && Object.hasOwn(ctx.template.Resources, name)) {
    return name;
  }
  throw fail(
    origin,
    `refers to "${name}", which is neither a parameter, a pseudo parameter nor a resource of this template.`,
    "Fix the reference, or define that parameter or resource in this stack.",
  );
}

function parameterValue(
  name: string,
  parameter: NonNullable<CfnTemplate["Parameters"]>[string],
  ctx: ResolveContext,
  origin: Origin,
): unknown {
  const type = parameter.Type ?? "String";
  const given = ctx.parameterValues[name];
  if (given === undefined && type.startsWith("AWS::SSM::Parameter::Value")) {
    throw fail(
      origin,
      `reads parameter ${name}, whose value comes from SSM parameter "${String(parameter.Default)}"; ecs-local has no SSM to read it from.`,
      "Give ecs-local the value as a plain parameter, or avoid SSM-backed parameters in the properties ecs-local reads.",
    );
  }
  const value = given ?? parameter.Default;
  if (value === undefined) {
    throw fail(
      origin,
      `reads parameter ${name}, which has no default and no value was given.`,
      `Give parameter ${name} a default (new CfnParameter(this, "${name}", { default: … })); ecs-local does not prompt for parameters.`,
    );
  }
  if (type === "CommaDelimitedList" || type.startsWith("List<")) {
    return Array.isArray(value)
      ? value
      : String(value)
          .split(",")
          .map((item) => item.trim());
  }
  return value;
}

function getAtt(arg: unknown, ctx: ResolveContext, origin: Origin): unknown {
  let logicalId: unknown;
  let attribute: unknown;
  if (typeof arg === "string") {
    const dot = arg.indexOf(".");
    logicalId = arg.slice(0, dot);
    attribute = arg.slice(dot + 1);
    if (dot < 0) attribute = undefined;
  } else {
    [logicalId, attribute] = expectArgs(arg, 2, "Fn::GetAtt", origin);
    attribute = resolveAny(attribute, ctx, origin);
  }
  if (typeof logicalId !== "string" || typeof attribute !== "string") {
    throw fail(
      origin,
      `has a malformed Fn::GetAtt ${JSON.stringify(arg)}.`,
      'Write it as { "Fn::GetAtt": ["LogicalId", "Attribute"] }.',
    );
  }
  return attributeValue(logicalId, attribute, ctx, origin);
}

function attributeValue(
  logicalId: string,
  attribute: string,
  ctx: ResolveContext,
  origin: Origin,
): unknown {
  const resource = ctx.template.Resources?.[logicalId];
  if (resource === undefined) {
    throw fail(
      origin,
      `reads attribute ${attribute} of "${logicalId}", which is not a resource of this template.`,
      "Fix the reference, or define that resource in this stack.",
    );
  }
  if (attribute.endsWith("Arn")) return symbolicArn(logicalId);
  if (attribute.endsWith("Name") && attribute !== "DNSName") {
    // The resource's own name property, so `service/<cluster>/<GetAtt Service.Name>` matches
    // the service name the model uses.
    const typeName = resource.Type.split("::").at(-1) ?? "";
    for (const key of [`${typeName}Name`, "Name"]) {
      const named = resource.Properties?.[key];
      if (named === undefined) continue;
      const value = resolveAny(named, ctx, { logicalId, constructPath: logicalId });
      if (typeof value === "string") return value;
    }
  }
  return logicalId;
}

function sub(arg: unknown, ctx: ResolveContext, origin: Origin): string {
  let text: unknown = arg;
  let variables: Record<string, unknown> = {};
  if (Array.isArray(arg)) {
    const [body, vars] = expectArgs(arg, 2, "Fn::Sub", origin);
    text = body;
    if (!isPlainObject(vars)) {
      throw fail(
        origin,
        "has an Fn::Sub whose second argument is not a map.",
        `Write it as { "Fn::Sub": ["text \${Var}", { "Var": … }] }.`,
      );
    }
    variables = vars;
  }
  const template = expectString(text, "Fn::Sub", origin);
  return template.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    // `${!Literal}` is the escape for a literal `${Literal}`.
    if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (Object.hasOwn(variables, name)) {
      return scalarString(resolveAny(variables[name], ctx, origin), "Fn::Sub", origin);
    }
    const dot = name.indexOf(".");
    const value =
      dot > 0 && !name.startsWith("AWS::")
        ? attributeValue(name.slice(0, dot), name.slice(dot + 1), ctx, origin)
        : ref(name, ctx, origin);
    return scalarString(value, "Fn::Sub", origin);
  });
}

function conditionByName(
  name: string,
  ctx: ResolveContext,
  origin: Origin,
  chain: readonly string[],
): boolean {
  const expression = ctx.template.Conditions?.[name];
  if (expression === undefined) {
    throw fail(
      origin,
      `uses condition "${name}", which the template's Conditions do not define.`,
      "Define the condition or fix its name.",
    );
  }
  if (chain.includes(name)) {
    throw fail(
      origin,
      `uses condition "${name}", which refers back to itself (${[...chain, name].join(" → ")}).`,
      "Break the loop between these conditions.",
    );
  }
  return conditionValue(expression, ctx, origin, [...chain, name]);
}

function conditionValue(
  expression: unknown,
  ctx: ResolveContext,
  origin: Origin,
  chain: readonly string[],
): boolean {
  if (expression === true || expression === "true") return true;
  if (expression === false || expression === "false") return false;
  if (isPlainObject(expression)) {
    if (typeof expression.Condition === "string") {
      return conditionByName(expression.Condition, ctx, origin, chain);
    }
    const equals = expression["Fn::Equals"];
    if (equals !== undefined) {
      const [left, right] = expectArgs(equals, 2, "Fn::Equals", origin).map((side) =>
        comparable(resolveAny(side, ctx, origin)),
      );
      return left === right;
    }
    const not = expression["Fn::Not"];
    if (not !== undefined) {
      const [inner] = expectArgs(not, 1, "Fn::Not", origin);
      return !conditionValue(inner, ctx, origin, chain);
    }
    const and = expression["Fn::And"];
    if (Array.isArray(and)) return and.every((item) => conditionValue(item, ctx, origin, chain));
    const or = expression["Fn::Or"];
    if (Array.isArray(or)) return or.some((item) => conditionValue(item, ctx, origin, chain));
  }
  throw fail(
    origin,
    `has a condition ecs-local cannot evaluate: ${JSON.stringify(expression)}.`,
    "Conditions may use Fn::Equals, Fn::Not, Fn::And, Fn::Or and { Condition: name }.",
  );
}

/** CloudFormation compares condition operands as strings (`1` equals `"1"`). */
function comparable(value: unknown): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value);
}

function lookup(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function expectArgs(arg: unknown, count: number, name: string, origin: Origin): unknown[] {
  if (!Array.isArray(arg) || arg.length !== count) {
    throw fail(
      origin,
      `has a malformed ${name}: expected a list of ${count} argument(s), found ${JSON.stringify(arg)}.`,
      `Fix the ${name} call in the template.`,
    );
  }
  return arg;
}

function expectList(value: unknown, name: string, origin: Origin): unknown[] {
  if (!Array.isArray(value)) {
    throw fail(
      origin,
      `has a ${name} over ${JSON.stringify(value)}, which is not a list.`,
      `Give ${name} a list (or an intrinsic that yields one).`,
    );
  }
  return value;
}

function expectString(value: unknown, name: string, origin: Origin): string {
  if (typeof value !== "string") {
    throw fail(
      origin,
      `has a ${name} whose argument ${JSON.stringify(value)} is not a string.`,
      `Fix the ${name} call in the template.`,
    );
  }
  return value;
}

function scalarString(value: unknown, name: string, origin: Origin): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw fail(
    origin,
    `has a ${name} whose value ${JSON.stringify(value)} is not a string.`,
    `Only strings and numbers can be joined or substituted; fix the ${name} call.`,
  );
}

function fail(origin: Origin, problem: string, fix: string): TemplateError {
  return new TemplateError(origin.logicalId, origin.constructPath, problem, fix);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
