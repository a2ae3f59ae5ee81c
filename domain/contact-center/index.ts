/** Contact-center context: the rules for what operators write about a delivery (notes). */
export * from './note-text';
