import { expect } from 'chai';
import {
  parseOtlpHeaders,
  parseResourceAttributes,
  resolveResourceAttributes,
} from '../../src/config/otel-env';

describe('config/otel-env', () => {
  describe('parseOtlpHeaders', () => {
    it('reads OTEL_EXPORTER_OTLP_HEADERS: trimmed, percent-decoded, keys lower-cased', () => {
      expect(
        parseOtlpHeaders({
          OTEL_EXPORTER_OTLP_HEADERS: ' x-honeycomb-team = abc123 , Authorization=Bearer%20t0k%3D ',
        }),
      ).to.deep.equal({ 'x-honeycomb-team': 'abc123', authorization: 'Bearer t0k=' });
    });

    it('skips malformed pairs and is empty when unset or blank', () => {
      expect(
        parseOtlpHeaders({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue,=x,a=,b=1,c=%zz' }),
      ).to.deep.equal({
        b: '1',
      });
      expect(parseOtlpHeaders({})).to.deep.equal({});
      expect(parseOtlpHeaders({ OTEL_EXPORTER_OTLP_HEADERS: '  ' })).to.deep.equal({});
    });

    it('per-signal variables win key by key over the general one', () => {
      const env = {
        OTEL_EXPORTER_OTLP_HEADERS: 'a=general,b=general',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=traces,c=traces',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=metrics',
      };
      expect(parseOtlpHeaders(env)).to.deep.equal({ a: 'general', b: 'general' });
      expect(parseOtlpHeaders(env, 'traces')).to.deep.equal({
        a: 'general',
        b: 'traces',
        c: 'traces',
      });
      expect(parseOtlpHeaders(env, 'metrics')).to.deep.equal({ a: 'general', b: 'metrics' });
    });

    it('defaults to process.env', () => {
      const before = process.env['OTEL_EXPORTER_OTLP_HEADERS'];
      process.env['OTEL_EXPORTER_OTLP_HEADERS'] = 'k=v';
      try {
        expect(parseOtlpHeaders()).to.deep.equal({ k: 'v' });
      } finally {
        if (before === undefined) delete process.env['OTEL_EXPORTER_OTLP_HEADERS'];
        else process.env['OTEL_EXPORTER_OTLP_HEADERS'] = before;
      }
    });
  });

  describe('parseResourceAttributes', () => {
    it('parses comma-separated key=value pairs, trimmed and percent-decoded', () => {
      expect(
        parseResourceAttributes(' deployment.environment = prod , team=a%2Cb%3Dc,,empty= '),
      ).to.deep.equal({
        attributes: { 'deployment.environment': 'prod', team: 'a,b=c', empty: '' },
      });
    });

    it('is empty for unset or blank', () => {
      expect(parseResourceAttributes(undefined)).to.deep.equal({ attributes: {} });
      expect(parseResourceAttributes(' ')).to.deep.equal({ attributes: {} });
    });

    it('discards the whole value on any invalid entry, as the OTel spec says', () => {
      for (const text of ['ok=1,broken', 'ok=1,a=b=c', 'ok=1,=v', 'ok=1,k=%E0%A4%A']) {
        const result = parseResourceAttributes(text);
        expect(result.attributes, text).to.deep.equal({});
        expect(result.error, text).to.be.a('string');
      }
    });
  });

  describe('resolveResourceAttributes', () => {
    it('merges OTEL_RESOURCE_ATTRIBUTES with service.name from the config winning', () => {
      expect(
        resolveResourceAttributes(
          { service_name: 'orders' },
          {
            OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-env,service.version=1.2.3',
            OTEL_SERVICE_NAME: 'also-ignored',
          },
        ),
      ).to.deep.equal({ 'service.name': 'orders', 'service.version': '1.2.3' });
    });

    it('is just service.name when the variable is unset or invalid', () => {
      expect(resolveResourceAttributes({ service_name: 'flowgen' }, {})).to.deep.equal({
        'service.name': 'flowgen',
      });
      expect(
        resolveResourceAttributes({ service_name: 'flowgen' }, { OTEL_RESOURCE_ATTRIBUTES: 'bad' }),
      ).to.deep.equal({ 'service.name': 'flowgen' });
    });
  });
});
