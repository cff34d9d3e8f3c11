export * from './states';
export * from './models';
export * from './analytics';
export * from './error-report';
export * from './paths';
export * from './errors';
export * from './media';
export * from './pipeline-error';
