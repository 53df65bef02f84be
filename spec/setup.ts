// Loaded by mocha before every spec file (see .mocharc.json).
import 'reflect-metadata';
import * as chai from 'chai';

chai.config.truncateThreshold = 0;
