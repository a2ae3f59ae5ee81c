/** Accounts context: customers and the payment methods they keep on file (tokens only). */
export * from './account.aggregate';
