export * from './limits';
export * from './turn';
export * from './usage';
export * from './wake';
