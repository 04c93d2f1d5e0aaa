import { describe, expect, it } from 'vitest';
import { kubeError, kubectlMessage } from '../../src/cluster/kube.js';

// What kubectl 1.32 printed for `get crd/…` against a server whose host does not resolve (5 discovery retries).
const retry = (n: number) =>
  `E1202 11:31:54.40751${n}    9156 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"https://no-such-host.invalid:6443/api?timeout=32s\\": dial tcp: lookup no-such-host.invalid on 10.255.255.53:53: no such host"`;
const UNREACHABLE =
  [1, 2, 3, 4, 5].map(retry).join('\n') + '\nUnable to connect to the server: dial tcp: lookup no-such-host.invalid on 10.255.255.53:53: no such host\n';

describe('kubectl errors are short', () => {
  it("an unreachable server: one line (kubectl's summary), not the retries", () => {
    const e = kubeError('get crd/kafkas.kafka.strimzi.io', { exitCode: 1, stdout: '', stderr: UNREACHABLE });
    expect(e.message).toBe(
      'get crd/kafkas.kafka.strimzi.io failed: Unable to connect to the server: dial tcp: lookup no-such-host.invalid on 10.255.255.53:53: no such host',
    );
    expect(e.hint).toContain('unreachable');
    expect(e.exitCode).toBe(3);
  });

  it('only klog lines: unwrapped and deduplicated', () => {
    expect(kubectlMessage([1, 2, 3].map(retry).join('\n'))).toBe(
      'couldn\'t get current server API group list: Get "https://no-such-host.invalid:6443/api?timeout=32s": dial tcp: lookup no-such-host.invalid on 10.255.255.53:53: no such host',
    );
  });

  it('ordinary errors keep up to three distinct lines', () => {
    expect(kubectlMessage('Error from server (NotFound): a\nError from server (NotFound): a\nb\nc\nd\n')).toBe('Error from server (NotFound): a | b | c …');
  });
});
