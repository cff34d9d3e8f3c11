export * from './states';
export * from './models';
export * from './paths';
export * from './errors';
export * from './media';
export * from './pipeline-error';
export * from './listing';
