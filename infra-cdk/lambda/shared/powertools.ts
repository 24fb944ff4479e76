import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Logger singleton of a Lambda, built once per cold start. The service name comes from
 * POWERTOOLS_SERVICE_NAME (set by the CDK Lambda factory); the JSON format is Powertools'.
 * Log ids, decisions and reasons; never secrets, passwords, whole events or whole bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm' });
