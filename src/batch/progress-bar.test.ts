import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatEta, progressState } from './progress-bar.js';

describe('progressState', () => {
  beforeEach(() => vi.stubEnv('TZ', 'UTC'));
  afterEach(() => vi.unstubAllEnvs());

  it('names the status, and the reason of a pause', () => {
    expect(progressState({ status: 'running', reason: null, autoResume: true, resumeAt: null })).toBe('running');
    expect(progressState({ status: 'paused', reason: 'manual', autoResume: true, resumeAt: null })).toBe('paused (manual)');
    expect(progressState({ status: 'paused', reason: 'circuit_open', autoResume: false, resumeAt: '2030-01-01T09:05:07.000Z' })).toBe('paused (circuit_open)');
  });

  it('says when the provider is probed while an open circuit pauses a batch that resumes by itself', () => {
    expect(progressState({ status: 'paused', reason: 'circuit_open', autoResume: true, resumeAt: '2030-01-01T09:05:07.000Z' })).toBe('paused: circuit open, probe at 09:05:07');
    expect(progressState({ status: 'paused', reason: 'circuit_open', autoResume: true, resumeAt: null })).toBe('paused: circuit open, probe soon');
  });
});

describe('formatEta', () => {
  it('writes seconds, minutes or hours', () => {
    expect(formatEta(null)).toBe('--');
    expect(formatEta(42)).toBe('42s');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(3_720)).toBe('1h02m');
  });
});
