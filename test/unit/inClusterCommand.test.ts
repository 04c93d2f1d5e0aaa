import { describe, expect, it } from 'vitest';
import { inClusterArgs, inClusterRunId } from '../../src/cluster/inClusterCommand.js';
import { CmaError } from '../../src/errors.js';
import { renderInClusterJob } from '../../src/manifests/inClusterJob.js';

describe('--in-cluster argument rewriting', () => {
  it('drops --in-cluster and the options that select the cluster from this machine, keeps the rest in order', () => {
    expect(inClusterArgs(['lag', '--in-cluster', '--group', 'g1', '--watch', '-o', 'json'])).toEqual(['lag', '--group', 'g1', '--watch', '-o', 'json']);
    expect(
      inClusterArgs([
        '--target',
        'cluster',
        '-n',
        'demo',
        '--context=c1',
        '--kubeconfig',
        '/home/u/.kube/config',
        'produce',
        '1000',
        '10',
        '100',
        '--in-cluster',
        '--namespace=x',
        '-ndemo',
      ]),
    ).toEqual(['produce', '1000', '10', '100']);
  });

  it('keeps values that only look like flags after --', () => {
    expect(inClusterArgs(['lag', '--in-cluster', '--', '--in-cluster'])).toEqual(['lag', '--', '--in-cluster']);
  });

  it.each([
    [['produce', '--in-cluster', '--password-file', '/home/u/pw'], '--password-file'],
    [['produce', '--in-cluster', '--password-file=/home/u/pw'], '--password-file'],
    [['lag', '--in-cluster', '--bootstrap-server', 'h:9092'], '--bootstrap-server'],
    [['produce', '--in-cluster', '--producer.config', 'client.properties'], '--producer.config'],
    [['lag', '--in-cluster', '--scaledobject', 'so.yaml'], '--scaledobject'],
  ])('refuses connection and file options: %j (exit 2, naming the flag, never its value)', (args, flag) => {
    let err: unknown;
    try {
      inClusterArgs(args);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CmaError);
    const e = err as CmaError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(flag);
    expect(e.message).not.toContain('/home/u/pw');
    expect(e.hint).toContain(`drop ${flag}`);
  });

  it('the rewritten args and the run id make a valid Job', () => {
    const id = inClusterRunId('produce');
    expect(id).toMatch(/^produce-[0-9a-f]{8}$/);
    expect(inClusterRunId('produce')).not.toBe(id);
    const job = renderInClusterJob({
      namespace: 'ns',
      runId: id,
      image: 'img',
      args: inClusterArgs(['produce', '--in-cluster', '10']),
      bootstrap: 'b:9092',
      credentialSecret: 's',
    });
    expect((job as any).spec.template.spec.containers[0].args).toEqual(['produce', '10']);
  });
});
