export * from './ports';
export * from './config';
export * from './handlers';
