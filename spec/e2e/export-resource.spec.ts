import { expect } from 'chai';
import { exportScene, runExportingFlow, SERVICE_NAME, telemetryTo } from './support/export-run';

const FLOW = `
flow:
  name: resource
  tasks:
    - generate: { name: src, interval: 5ms, count: 3 }
    - log: { name: out }
`;

describe('export e2e: the resource (service.name, OTEL_RESOURCE_ATTRIBUTES)', () => {
  const { receivers, env } = exportScene();

  it('puts the configured service_name on every span and every metric point', async () => {
    const r = await receivers.start();
    await runExportingFlow({ flow: FLOW, telemetry: telemetryTo(r.endpoint) });

    const spans = r.spans();
    const points = r.metricPoints();
    expect(spans).to.have.length.greaterThan(0);
    expect(points).to.have.length.greaterThan(0);
    for (const s of spans) expect(s.resource['service.name'], s.name).to.equal(SERVICE_NAME);
    for (const p of points) expect(p.resource['service.name'], p.name).to.equal(SERVICE_NAME);
  });

  it('merges OTEL_RESOURCE_ATTRIBUTES in, and service_name wins over a service.name given there', async () => {
    env.set({
      OTEL_RESOURCE_ATTRIBUTES:
        'deployment.environment=e2e,team=core%2Cplatform,service.name=from-resource-env',
      OTEL_SERVICE_NAME: 'from-otel-service-name',
    });
    const r = await receivers.start();
    await runExportingFlow({
      flow: FLOW,
      telemetry: telemetryTo(r.endpoint, { service_name: 'orders-e2e' }),
    });

    const resources = [...r.spans(), ...r.metricPoints()].map((item) => item.resource);
    expect(resources).to.have.length.greaterThan(0);
    for (const resource of resources) {
      expect(resource).to.include({
        'service.name': 'orders-e2e',
        'deployment.environment': 'e2e',
        team: 'core,platform',
      });
    }
  });
});
