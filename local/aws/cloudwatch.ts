import type { ServiceContext } from './context';
import { epochSeconds, optNumber, optObject, optObjects, optString, reqString, type JsonObject } from './json-input';
import { AwsError, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import { targetOperation } from './secrets-manager';

/**
 * CloudWatch GetMetricData over awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`,
 * signing name `monitoring`), which is how SDK v3's CloudWatchClient calls it (awsQueryCompatible:
 * errors also carry `x-amzn-query-error`). Only what the reconciler's activity probe asks is
 * simulated: AWS/EC2 CPUUtilization per InstanceId, from the samples seeded in `state.cpuSamples`,
 * aggregated per Period with Average/Maximum/Minimum/Sum/SampleCount.
 * As documented (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html):
 * 1–500 MetricDataQueries, Id `^[a-z][a-zA-Z0-9_]*$` and unique, StartTime before EndTime,
 * ScanBy TimestampDescending by default, at most MaxDatapoints (default 100,800) datapoints per
 * call, the rest behind NextToken with StatusCode `PartialData` on the cut results.
 */

const CT = 'application/x-amz-json-1.0';
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;
const STATS = new Set(['Average', 'Maximum', 'Minimum', 'Sum', 'SampleCount']);

export function handleCloudWatch(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const op = targetOperation(req);
  if (op !== 'GetMetricData') throw new AwsError('UnknownOperationException', `Unknown operation ${op}`);
  return getMetricData(req, jsonBody(req), ctx);
}

/** awsJson timestamps are epoch seconds; ISO strings are accepted too, as the service does. */
function instant(o: JsonObject, member: string): number {
  const v = o[member];
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new AwsError('ValidationError', `The parameter ${member} is required and must be a timestamp.`);
  return ms;
}

interface Series {
  id: string;
  label: string;
  points: { at: number; value: number }[];
}

function getMetricData(req: StandInRequest, input: JsonObject, ctx: ServiceContext): StandInResponse {
  const queries = optObjects(input, 'MetricDataQueries');
  if (queries.length < 1 || queries.length > MAX_QUERIES) throw new AwsError('ValidationError', `The collection MetricDataQueries must not be empty and must contain at most ${MAX_QUERIES} items.`);
  const start = instant(input, 'StartTime');
  const end = instant(input, 'EndTime');
  if (start >= end) throw new AwsError('ValidationError', 'The parameter StartTime must be less than the parameter EndTime.');
  const scanBy = optString(input, 'ScanBy') ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw new AwsError('ValidationError', `ScanBy must be TimestampDescending or TimestampAscending.`);
  const max = optNumber(input, 'MaxDatapoints') ?? DEFAULT_MAX_DATAPOINTS;
  const from = Number(optString(input, 'NextToken') ?? 0);
  if (!Number.isInteger(from) || from < 0) throw new AwsError('InvalidNextToken', 'The service cannot find the specified token.');

  const seen = new Set<string>();
  const series: Series[] = [];
  for (const q of queries) {
    const id = reqString(q, 'Id');
    if (!ID.test(id)) throw new AwsError('ValidationError', `The value ${id} for parameter MetricDataQueries.member.Id is not valid: it must start with a lower-case letter and contain only letters, digits and underscores.`);
    if (seen.has(id)) throw new AwsError('ValidationError', `The values for parameter id in MetricDataQueries are not unique.`);
    seen.add(id);
    const stat = optObject(q, 'MetricStat');
    if (!stat) throw new AwsError('ValidationError', `MetricDataQueries.member.MetricStat is required (this stand-in evaluates no Expression).`);
    const metric = optObject(stat, 'Metric') ?? {};
    const period = optNumber(stat, 'Period') ?? 0;
    if (period < 1 || (period >= 60 && period % 60 !== 0)) throw new AwsError('ValidationError', 'The parameter Period must be 1, 5, 10, 20, 30, 60, or a multiple of 60.');
    const statName = reqString(stat, 'Stat');
    if (!STATS.has(statName)) throw new AwsError('ValidationError', `Stat ${statName} is not supported by the stand-in.`);
    if (q.ReturnData === false) continue;
    const dims = optObjects(metric, 'Dimensions');
    const instanceId = dims.find((d) => d.Name === 'InstanceId')?.Value;
    const isCpu = metric.Namespace === 'AWS/EC2' && metric.MetricName === 'CPUUtilization' && dims.length === 1 && typeof instanceId === 'string';
    const samples = isCpu ? (ctx.state.cpuSamples.get(instanceId) ?? []) : [];
    const buckets = new Map<number, number[]>();
    for (const s of samples) {
      if (s.at < start || s.at >= end) continue;
      const b = Math.floor(s.at / (period * 1000)) * period * 1000;
      buckets.set(b, [...(buckets.get(b) ?? []), s.value]);
    }
    const points = [...buckets]
      .map(([at, values]) => ({ at, value: aggregate(statName, values) }))
      .sort((a, b) => (scanBy === 'TimestampAscending' ? a.at - b.at : b.at - a.at));
    series.push({ id, label: String(metric.MetricName ?? id), points });
  }

  // Datapoints in query order, then time order; a page holds at most `max` of them.
  let offset = 0;
  let cut = false;
  const results = series.map((s) => {
    const first = Math.max(0, from - offset);
    const room = Math.max(0, from + max - Math.max(offset, from));
    const page = s.points.slice(first, first + room);
    const partial = first + page.length < s.points.length;
    cut ||= partial;
    offset += s.points.length;
    return { Id: s.id, Label: s.label, Timestamps: page.map((p) => epochSeconds(p.at)), Values: page.map((p) => p.value), StatusCode: partial ? 'PartialData' : 'Complete' };
  });
  const total = offset;
  return jsonResponse(req.requestId, CT, { MetricDataResults: results, Messages: [], ...(cut && from + max < total ? { NextToken: String(from + max) } : {}) });
}

function aggregate(stat: string, values: readonly number[]): number {
  switch (stat) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'SampleCount':
      return values.length;
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}
