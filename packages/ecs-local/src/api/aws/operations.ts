/**
 * Every operation the AWS API serves, by service, and the one call that runs a parsed
 * request against a run. Whatever an operation throws that is not an AWS error is the
 * server's fault: it becomes the service's internal error (HTTP 500), never a crash.
 */
import { AwsApiError } from "../../errors.js";
import { AUTO_SCALING_OPERATIONS } from "./auto-scaling-operations.js";
import type { AwsApiSource } from "./aws-source.js";
import { CLOUD_MAP_OPERATIONS } from "./cloud-map-operations.js";
import { CLOUDWATCH_OPERATIONS } from "./cloudwatch-operations.js";
import { ECS_OPERATIONS } from "./ecs-operations.js";
import { InputReader } from "./input.js";
import type { AwsRequest, AwsService } from "./wire.js";

type Operation = (source: AwsApiSource, input: InputReader) => unknown;

export const OPERATIONS: Readonly<Record<AwsService, Readonly<Record<string, Operation>>>> = {
  ecs: ECS_OPERATIONS,
  servicediscovery: CLOUD_MAP_OPERATIONS,
  "application-autoscaling": AUTO_SCALING_OPERATIONS,
  cloudwatch: CLOUDWATCH_OPERATIONS,
};

export function isOperation(service: AwsService, operation: string): boolean {
  return Object.hasOwn(OPERATIONS[service], operation);
}

/** Each service's error for a fault of the server, with its HTTP status 500. */
const INTERNAL_ERRORS: Readonly<Record<AwsService, string>> = {
  ecs: "ServerException",
  servicediscovery: "InternalFailure",
  "application-autoscaling": "InternalServiceException",
  cloudwatch: "InternalServiceFault",
};

/** Runs a request; returns its output, or throws an {@link AwsApiError}. */
export function runOperation(source: AwsApiSource, request: AwsRequest): unknown {
  const operation = OPERATIONS[request.service.service][request.operation] as Operation;
  const input = new InputReader(request.input, request.service, {
    stringScalars: request.stringScalars,
  });
  try {
    return operation(source, input);
  } catch (error) {
    if (error instanceof AwsApiError) throw error;
    throw new AwsApiError(
      INTERNAL_ERRORS[request.service.service],
      `ecs-local failed to answer ${request.operation}: ${error instanceof Error ? error.message : String(error)}`,
      { status: 500, cause: error },
    );
  }
}
