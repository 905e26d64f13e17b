// Where a worker sends its traces: the flag, else OpenTelemetry's own variables, else nowhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tracingSettings } from '../src/worker-tracing';

describe('tracingSettings', () => {
  it('is off when neither the flag nor an OTEL_EXPORTER_OTLP_* endpoint is set', () => {
    assert.equal(tracingSettings(undefined, {}), undefined);
    assert.equal(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), undefined);
  });

  it('takes the flag over the variables, and the traces variable as it is', () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318' };
    assert.equal(tracingSettings('https://flag:4318/v1/traces', env)?.endpoint, 'https://flag:4318/v1/traces');
    assert.equal(tracingSettings(undefined, env)?.endpoint, 'http://traces:4318/custom');
  });

  it('appends /v1/traces to the generic endpoint, as the OTLP specification says', () => {
    assert.equal(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.endpoint, 'http://collector:4318/v1/traces');
  });

  it('names the service from OTEL_SERVICE_NAME', () => {
    assert.equal(tracingSettings('http://c:4318/v1/traces', { OTEL_SERVICE_NAME: 'batch-hosts' })?.serviceName, 'batch-hosts');
    assert.equal(tracingSettings('http://c:4318/v1/traces', {})?.serviceName, undefined);
  });

  it('refuses what is not an OTLP/HTTP URL, naming it', () => {
    assert.throws(() => tracingSettings('collector:4318', {}), /"collector:4318" must be http:\/\/ or https:\/\//);
    assert.throws(() => tracingSettings('not a url', {}), /"not a url" is not a URL/);
    assert.throws(() => tracingSettings(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c:4317' }), /must be http/);
  });
});
