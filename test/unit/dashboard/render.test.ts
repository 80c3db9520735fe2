// The weekly picture: ECharts SSR → SVG → PNG (resvg). A valid PNG of the expected size, with the red cell in the SVG.
import { buildHeatmap } from '../../../domain/dashboard';
import { heatmapPictureSize, renderHeatmapPng, renderHeatmapSvg } from '../../../dashboard/render';
import { shippedProcess } from '../domain/fixtures';

const NOW = new Date('2026-11-27T04:00:00Z');
const agg = (officeId: string, stage: string, hours: number) => ({
  officeId, stage, finishedCustomers: 1, finishedAvgSeconds: hours * 3600, currentCustomers: 0, currentAvgSeconds: null, customers: 1, avgSeconds: hours * 3600,
});
const data = buildHeatmap({
  process: shippedProcess(),
  offices: [{ id: 'east', name: '华东办事处' }, { id: 'north', name: '华北办事处' }, { id: 'south', name: '华南办事处' }],
  aggregates: [agg('east', 'proposal_submitted', 130), agg('north', 'proposal_submitted', 40), agg('south', 'lead', 12)],
  candidates: [], from: new Date(NOW.getTime() - 30 * 86_400_000), to: NOW, now: NOW,
});

describe('renderHeatmapPng', () => {
  it('the SVG carries the red cell and the Chinese labels', () => {
    const svg = renderHeatmapSvg(data);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('#f54a45');
    expect(svg).toContain('华东办事处');
    expect(svg).toContain('方案已提交');
  });

  it('is a valid PNG of the expected size', () => {
    const png = renderHeatmapPng(data);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const { width, height } = heatmapPictureSize(data);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
    expect([width, height]).toEqual([960, 130 + 3 * 44]);
    expect(png.subarray(-8, -4).toString('ascii')).toBe('IEND');
    expect(png.length).toBeGreaterThan(5000);
    expect(png.length).toBeLessThan(2 * 1024 * 1024); // WeCom's image limit
  });
});
