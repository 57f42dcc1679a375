export * from './types';
export { OrderBook } from './book';
export { hashSnapshot } from './snapshot';
export { placeTermsOf } from './place-terms';
