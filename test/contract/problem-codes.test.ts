import { PROBLEMS, type ProblemCode, problemBody } from '../../lambda/attendee/errors/problem';
import { loadContract, resolve } from '../helpers/openapi-conformance';

const contract = loadContract();
const { document } = contract;
const codes = Object.keys(PROBLEMS) as ProblemCode[];

/** `status → codes` as the document's problem responses list them, over every operation. */
function documentedCodesByStatus(): Map<number, Set<string>> {
  const byStatus = new Map<number, Set<string>>();
  for (const outcome of contract.documentedOutcomes()) {
    if (outcome.code === undefined) continue;
    const set = byStatus.get(outcome.status) ?? new Set<string>();
    set.add(outcome.code);
    byStatus.set(outcome.status, set);
  }
  return byStatus;
}

describe('problem codes: lambda/attendee/errors/problem.ts and openapi.yaml', () => {
  it('lists exactly the codes of problem.ts in the ProblemCode enum', () => {
    expect([...document.components.schemas.ProblemCode.enum].sort()).toEqual([...codes].sort());
  });

  it.each(codes)(
    'documents %s under the status problem.ts gives it, on every operation',
    (code) => {
      const { status } = PROBLEMS[code];
      for (const operation of ['getAttendee', 'getJoinInfo', 'getRoster']) {
        const listed = contract
          .documentedOutcomes()
          .filter((o) => o.operation === operation && o.code === code);
        expect(listed.map((o) => o.status)).toEqual([status]);
      }
    },
  );

  it('lists no code under a status problem.ts does not give it', () => {
    for (const [status, listed] of documentedCodesByStatus()) {
      for (const code of listed) expect(PROBLEMS[code as ProblemCode]?.status).toBe(status);
    }
  });

  it('gives each problem example the type, title, status and detail problem.ts would send', () => {
    const examples = document.components.examples as Record<string, { value: unknown }>;
    const problems = Object.values(examples)
      .map((example) => resolve(document, example).value)
      .filter((value) => typeof value?.code === 'string');
    expect(problems.map((p) => p.code).sort()).toEqual([...codes].sort());
    for (const problem of problems) {
      expect(problem).toEqual(problemBody(problem.code, problem.requestId));
    }
  });
});
