/**
 * What the Lambda runtime sets in an on-demand container. Powertools reads it when its utilities
 * are constructed (their cold-start flag depends on it), so a test imports this module first.
 */
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
export {};
