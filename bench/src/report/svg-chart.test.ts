import { describe, expect, it } from 'vitest';
import { sampleResults } from './fixtures.js';
import { renderChart } from './svg-chart.js';

describe('renderChart', () => {
  const svg = renderChart(sampleResults());

  it('is one well-formed SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws labelled bars, marks bounds and says why a bar is missing', () => {
    expect(svg).toContain('>4,200<');
    expect(svg).toContain('>≥3.00 s †<');
    expect(svg).toContain('>50 †<');
    expect(svg).toContain('>1 s<'); // log-scale tick
    expect(svg).toContain('>n/a<');
    expect(svg).toContain('>failed<');
    expect(svg).toContain('>not run<');
  });

  it('escapes text', () => {
    const results = sampleResults();
    const renamed = { ...results, systems: results.systems.map((system) => ({ ...system, name: `${system.name}<&>` })) };
    expect(renderChart(renamed)).toContain('missive&lt;&amp;&gt;');
  });
});
