/** Contact-center context: an agent's interaction with a customer, its notes and audit trail. */
export * from './interaction.aggregate';
