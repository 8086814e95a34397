export * from './accounting';
export * from './constants';
export * from './device';
export * from './encode';
export * from './errors';
export * from './pipelines';
export * from './pool';
export * from './tensor';
