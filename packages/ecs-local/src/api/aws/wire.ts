/**
 * The wire protocols of the AWS APIs ecs-local serves, on one port: which service and
 * operation a request is for, its input, and how an answer or an error is written back.
 * Pure: headers and body text in, a request or a reply out (the HTTP edge is aws-server.ts).
 *
 * - AWS JSON 1.1 (ECS, Cloud Map, Application Auto Scaling) and 1.0 (CloudWatch, from SDKs
 *   that have moved to it): `POST /`, the operation in `X-Amz-Target: <prefix>.<Operation>`,
 *   the input as a JSON object; errors as `{"__type": code, "message" | "Message": text}`.
 * - AWS Query (CloudWatch from older clients such as the AWS CLI v2 2.9): a form body with
 *   `Action` and `Version`; results and errors as XML.
 *
 * Signatures are not checked and the Host header is not read: any SigV4 signature, and a
 * `data-` host prefix (Cloud Map's DiscoverInstances), are accepted as they come.
 */
import { randomUUID } from "node:crypto";
import { AwsApiError } from "../../errors.js";
import { decodeQuery, queryError, queryResponse } from "./query-protocol.js";

/** The services, by the name SigV4 signs them with. */
export type AwsService = "ecs" | "servicediscovery" | "application-autoscaling" | "cloudwatch";

/** How one service speaks: its target prefix, JSON version and the codes of its generic errors. */
export interface ServiceProtocol {
  readonly service: AwsService;
  /** `X-Amz-Target` is `<targetPrefix>.<Operation>`. */
  readonly targetPrefix: string;
  readonly jsonVersion: "1.0" | "1.1";
  /** The member of a JSON error that holds its text: ECS and CloudWatch `message`, the others `Message`. */
  readonly messageKey: "message" | "Message";
  /** The error for a member of the wrong value (and, where the service has no other, a missing one). */
  readonly invalidParameter: string;
  /** The error for a required member that is missing. */
  readonly missingParameter: string;
  /** The error for a `nextToken` this API did not hand out. */
  readonly invalidToken: string;
}

export const SERVICE_PROTOCOLS: readonly ServiceProtocol[] = [
  {
    service: "ecs",
    targetPrefix: "AmazonEC2ContainerServiceV20141113",
    jsonVersion: "1.1",
    messageKey: "message",
    invalidParameter: "InvalidParameterException",
    missingParameter: "InvalidParameterException",
    invalidToken: "InvalidParameterException",
  },
  {
    service: "servicediscovery",
    targetPrefix: "Route53AutoNaming_v20170314",
    jsonVersion: "1.1",
    messageKey: "Message",
    invalidParameter: "InvalidInput",
    missingParameter: "InvalidInput",
    invalidToken: "InvalidInput",
  },
  {
    service: "application-autoscaling",
    targetPrefix: "AnyScaleFrontendService",
    jsonVersion: "1.1",
    messageKey: "Message",
    invalidParameter: "ValidationException",
    missingParameter: "ValidationException",
    invalidToken: "InvalidNextTokenException",
  },
  {
    service: "cloudwatch",
    targetPrefix: "GraniteServiceVersion20100801",
    jsonVersion: "1.0",
    messageKey: "message",
    invalidParameter: "InvalidParameterValueException",
    missingParameter: "MissingRequiredParameterException",
    invalidToken: "InvalidNextToken",
  },
];

const CLOUDWATCH = SERVICE_PROTOCOLS.find((s) => s.service === "cloudwatch") as ServiceProtocol;

/** CloudWatch's Query API version and XML namespace. */
export const CLOUDWATCH_QUERY_VERSION = "2010-08-01";
const CLOUDWATCH_XMLNS = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/**
 * CloudWatch's errors by their Query-protocol code, which differs from the JSON `__type`
 * (the service model's `error.code`); JSON clients in query-compatible mode read it from the
 * `x-amzn-query-error` header.
 */
const CLOUDWATCH_QUERY_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: "InvalidParameterValue",
  MissingRequiredParameterException: "MissingParameter",
  InvalidParameterCombinationException: "InvalidParameterCombination",
  InternalServiceFault: "InternalServiceError",
  UnknownOperationException: "InvalidAction",
  SerializationException: "MalformedQueryString",
};

/** How the answer to a request is written. */
export type ReplyFormat =
  | {
      readonly protocol: "json";
      readonly jsonVersion: "1.0" | "1.1";
      readonly messageKey: "message" | "Message";
      /** The client asked for Query-compatible errors (`x-amzn-query-mode: true`). */
      readonly queryCompatible: boolean;
    }
  | { readonly protocol: "query" };

/** A request understood: which service and operation, with what input. */
export interface AwsRequest {
  readonly service: ServiceProtocol;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** Query-protocol scalars are strings; the input reader converts them. */
  readonly stringScalars: boolean;
  readonly reply: ReplyFormat;
}

/** What the wire layer makes of a request: the request, or the error to answer at once. */
export type ParsedRequest =
  | { readonly ok: true; readonly request: AwsRequest }
  | { readonly ok: false; readonly error: AwsApiError; readonly reply: ReplyFormat };

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/**
 * Reads a request from its headers (lower-case names, as Node gives them) and body text.
 * `isOperation` says whether a service has an operation, so an unknown one is refused here.
 */
export function parseRequest(
  headers: Headers,
  body: string,
  isOperation: (service: AwsService, operation: string) => boolean,
): ParsedRequest {
  const target = header(headers, "x-amz-target");
  const contentType = header(headers, "content-type") ?? "";
  if (target === undefined && contentType.startsWith("application/x-www-form-urlencoded")) {
    return parseQueryRequest(body, isOperation);
  }
  const version = /x-amz-json-1\.0/.test(contentType) ? "1.0" : "1.1";
  const dot = target?.lastIndexOf(".") ?? -1;
  const prefix = target?.slice(0, Math.max(0, dot));
  const operation = target?.slice(dot + 1) ?? "";
  const service = SERVICE_PROTOCOLS.find((s) => s.targetPrefix === prefix);
  const reply: ReplyFormat = {
    protocol: "json",
    jsonVersion: service?.jsonVersion ?? version,
    messageKey: service?.messageKey ?? "message",
    queryCompatible: header(headers, "x-amzn-query-mode") === "true",
  };
  if (target === undefined) {
    return {
      ok: false,
      reply,
      error: new AwsApiError(
        "UnknownOperationException",
        "The request has no X-Amz-Target header: send AWS JSON 1.1 (or 1.0) with X-Amz-Target: <service prefix>.<Operation>, or CloudWatch's Query protocol.",
      ),
    };
  }
  if (!service || !isOperation(service.service, operation)) {
    return {
      ok: false,
      reply,
      error: new AwsApiError(
        "UnknownOperationException",
        service
          ? `${operation || "(none)"} is not an operation of ${service.service} that ecs-local serves.`
          : `X-Amz-Target ${target} names no service ecs-local serves; it serves ${SERVICE_PROTOCOLS.map((s) => s.targetPrefix).join(", ")}.`,
      ),
    };
  }
  let input: unknown;
  try {
    input = body.trim() === "" ? {} : JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      reply,
      error: new AwsApiError(
        "SerializationException",
        `The request body is not valid JSON: ${(error as Error).message}.`,
      ),
    };
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      reply,
      error: new AwsApiError(
        "SerializationException",
        `The request body must be a JSON object of the operation's input, not ${Array.isArray(input) ? "an array" : JSON.stringify(input)}.`,
      ),
    };
  }
  return {
    ok: true,
    request: {
      service,
      operation,
      input: input as Record<string, unknown>,
      stringScalars: false,
      reply,
    },
  };
}

function parseQueryRequest(
  body: string,
  isOperation: (service: AwsService, operation: string) => boolean,
): ParsedRequest {
  const reply: ReplyFormat = { protocol: "query" };
  const input = decodeQuery(body);
  const action = input.Action;
  const version = input.Version;
  delete input.Action;
  delete input.Version;
  if (typeof action !== "string" || action === "") {
    return {
      ok: false,
      reply,
      error: new AwsApiError("MissingAction", "The request has no Action parameter."),
    };
  }
  if (version !== CLOUDWATCH_QUERY_VERSION || !isOperation("cloudwatch", action)) {
    return {
      ok: false,
      reply,
      error: new AwsApiError(
        "InvalidAction",
        `The action ${action} (Version ${String(version)}) is not valid for this web service: ecs-local serves CloudWatch (${CLOUDWATCH_QUERY_VERSION}) over the Query protocol.`,
      ),
    };
  }
  return {
    ok: true,
    request: { service: CLOUDWATCH, operation: action, input, stringScalars: true, reply },
  };
}

/** An HTTP answer: status, headers and body. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The successful answer to a request: its output in the request's protocol. */
export function resultReply(
  request: AwsRequest,
  output: unknown,
  requestId: string = randomUUID(),
): Reply {
  if (request.reply.protocol === "query") {
    return {
      status: 200,
      headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
      body: queryResponse(request.operation, CLOUDWATCH_XMLNS, output, requestId),
    };
  }
  return {
    status: 200,
    headers: {
      "content-type": `application/x-amz-json-${request.reply.jsonVersion}`,
      "x-amzn-requestid": requestId,
    },
    body: toAwsJson(output),
  };
}

/** The answer to a failed request, in AWS's error shape for its protocol. */
export function errorReply(
  reply: ReplyFormat,
  error: AwsApiError,
  requestId: string = randomUUID(),
): Reply {
  const sender = error.status < 500;
  const queryCode = CLOUDWATCH_QUERY_CODES[error.awsCode] ?? error.awsCode;
  if (reply.protocol === "query") {
    return {
      status: error.status,
      headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
      body: queryError(
        CLOUDWATCH_XMLNS,
        { code: queryCode, message: error.message, sender },
        requestId,
      ),
    };
  }
  return {
    status: error.status,
    headers: {
      "content-type": `application/x-amz-json-${reply.jsonVersion}`,
      "x-amzn-requestid": requestId,
      ...(reply.queryCompatible
        ? { "x-amzn-query-error": `${queryCode};${sender ? "Sender" : "Receiver"}` }
        : {}),
    },
    body: JSON.stringify({ __type: error.awsCode, [reply.messageKey]: error.message }),
  };
}

/**
 * JSON with AWS's timestamps: a `Date` becomes epoch seconds (with milliseconds as the
 * fraction), the JSON protocols' default timestamp format.
 */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, raw) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : raw;
  });
}
