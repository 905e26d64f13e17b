// OpenTelemetry tracing of a worker, through Temporal's own interceptors: a span per workflow task
// and per pod activity, exported over OTLP/HTTP to the endpoint a user sets. Off unless asked for:
// spans cost a little per pod, and most users watch metrics and the Web UI instead.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';

export interface TracingSettings {
  /** The OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
  endpoint: string;
  /** `service.name` of the spans; OTEL_SERVICE_NAME or `durable-jobs-worker`. */
  serviceName?: string;
}

/**
 * The traces endpoint a user asked for: the flag, else the standard OpenTelemetry variables
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, OTEL_EXPORTER_OTLP_ENDPOINT plus `/v1/traces`, as the
 * OTLP specification says), else none: tracing stays off.
 */
export function tracingSettings(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  const given = flag ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const endpoint = given ?? (base !== undefined ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`the OTLP traces endpoint "${endpoint}" is not a URL (e.g. http://127.0.0.1:4318/v1/traces)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the OTLP traces endpoint "${endpoint}" must be http:// or https:// (OTLP over HTTP)`);
  }
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME);
  return { endpoint: url.toString(), ...(serviceName !== undefined ? { serviceName } : {}) };
}

/** The pod's attributes from a `runPod` input; nothing from anything else. */
function podIdentity(arg: unknown): Record<string, string | number> | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { namespace, jobName, podName, index } = arg as Record<string, unknown>;
  if (typeof namespace !== 'string' || typeof jobName !== 'string' || typeof podName !== 'string') return undefined;
  return {
    'durable_jobs.namespace': namespace,
    'durable_jobs.job': jobName,
    'durable_jobs.pod': podName,
    ...(typeof index === 'number' ? { 'durable_jobs.completion_index': index } : {}),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

/** What a worker adds to carry tracing: activity interceptors, the workflows' span sink, and a flush at the end. */
export interface WorkerTracing {
  readonly endpoint: string;
  readonly activityInterceptors: ActivityInterceptorsFactory[];
  readonly sinks: NonNullable<WorkerOptions['sinks']>;
  /** Sends the spans still buffered; the worker calls it once it has stopped. */
  shutdown(): Promise<void>;
}

export function startTracing(s: TracingSettings): WorkerTracing {
  const resource = new Resource({ 'service.name': s.serviceName ?? 'durable-jobs-worker' });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: s.endpoint }));
  // A provider of our own, not the global one: a program hosting the worker keeps its own tracing.
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const tracer = provider.getTracer('durable-jobs');
  // The activity interceptor reads the workflow's trace context from the activity's headers through
  // the global propagator and makes it the parent through the global context manager, both no-ops
  // until set; a program's own, set first, are kept.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    endpoint: s.endpoint,
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
      // Inside the span above: a pod's span names its pod, Job and index, so a trace search finds it.
      (ctx) => ({
        inbound: {
          execute: (input, next) => {
            const pod = ctx.info.activityType === 'runPod' ? podIdentity(input.args[0]) : undefined;
            if (pod) trace.getActiveSpan()?.setAttributes(pod);
            return next(input);
          },
        },
      }),
    ],
    // Workflow code cannot reach the network: its spans leave the sandbox through this sink.
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    shutdown: () => provider.shutdown(),
  };
}
