// Loaded by mocha before every spec file (see .mocharc.json).
import 'reflect-metadata';
import * as chai from 'chai';

chai.config.truncateThreshold = 0;

// Specs assert on spans, not on stderr: keep the default logger quiet unless asked.
process.env['FLOWGEN_LOG_LEVEL'] ??= 'silent';
