import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Acknowledges the cdk-nag AwsSolutions findings this sample accepts on purpose. Each one
 * says why and what a production stack would do instead, so a reader can reverse it.
 */
export interface SampleFindingScopes {
  readonly loadBalancer: IConstruct;
  readonly albSecurityGroup: IConstruct;
  readonly taskDefinitions: readonly IConstruct[];
}

export function acknowledgeSampleFindings(scopes: SampleFindingScopes): void {
  Validations.of(scopes.loadBalancer).acknowledge({
    id: "AwsSolutions-ELB2",
    reason:
      "Access logs need an S3 bucket with an ELB-writable policy; the sample keeps the stack " +
      "small. Enable them with loadBalancer.logAccessLogs(bucket) for production.",
  });
  Validations.of(scopes.albSecurityGroup).acknowledge({
    id: "AwsSolutions-EC23",
    reason:
      "The ALB is the public entry point of the web app, so port 80 is open to any IPv4 " +
      "address. The sample serves plain HTTP; to add HTTPS, attach an ACM certificate with a " +
      "443 listener and redirect 80 to 443.",
  });
  for (const taskDefinition of scopes.taskDefinitions) {
    Validations.of(taskDefinition).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "CDK's generated task policies: ECS Exec's ssmmessages channel actions and " +
        "ecr:GetAuthorizationToken have no resource-level permissions, so AWS requires '*'.",
    });
  }
}
