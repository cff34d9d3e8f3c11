export * from './ports';
export * from './config';
