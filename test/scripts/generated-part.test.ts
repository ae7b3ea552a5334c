import { replacePart } from '../../scripts/generated-part';

const part = (body: string) => `<!-- t:begin (generated) -->\n${body}\n<!-- t:end -->`;

describe('replacePart', () => {
  it('replaces the old part, markers included, and keeps what surrounds it', () => {
    const readme = `# A\n\n${part('old\nrows')}\n\n## B\n`;
    expect(replacePart(readme, part('new'))).toBe(`# A\n\n${part('new')}\n\n## B\n`);
  });

  it('finds the old part by its name, whatever its begin marker says after it', () => {
    const readme = `<!-- t:begin (an older note) -->\nold\n<!-- t:end -->\n`;
    expect(replacePart(readme, part('new'))).toBe(`${part('new')}\n`);
  });

  it('leaves another part alone', () => {
    const other = '<!-- u:begin -->\nkeep\n<!-- u:end -->';
    expect(replacePart(`${other}\n${part('old')}`, part('new'))).toBe(`${other}\n${part('new')}`);
  });

  it.each([
    ['no markers', '# no tables'],
    ['only the begin marker', '<!-- t:begin -->\nold'],
    ['the end before the begin', '<!-- t:end -->\n<!-- t:begin -->'],
  ])('throws with %s', (_case, readme) => {
    expect(() => replacePart(readme, part('new'))).toThrow(/markers/);
  });
});
