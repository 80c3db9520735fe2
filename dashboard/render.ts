/**
 * The heatmap as a picture for chat (issue 6 §4): ECharts renders it server-side to SVG (`ssr: true`, no DOM), and
 * @resvg/resvg-js turns the SVG into a PNG. Chinese text needs a CJK font on the machine (Debian's fonts-noto-cjk,
 * installed by .ci/run); fonts are loaded from /usr/share/fonts. Without one the picture is still a valid PNG, with
 * boxes for the Chinese glyphs.
 */
import fs from 'node:fs';
import { dashboardTexts } from '../cards/dashboard-texts';
import { localDate, type HeatmapData } from '../domain/dashboard';

export const FONT_FAMILY = 'Noto Sans CJK SC';
export const DEFAULT_FONT_DIRS = ['/usr/share/fonts'];
const RED = '#f54a45';

export interface PictureOptions {
  width?: number;
  fontDirs?: string[];
  tz?: string;
}

/** Width and height of the picture for this data: 960 wide by default, 44 px per office row. */
export function heatmapPictureSize(data: HeatmapData, width = 960): { width: number; height: number } {
  return { width, height: 130 + Math.max(1, data.offices.length) * 44 };
}

function cellColor(hours: number | null, red: boolean, ref: number): string {
  if (red) return RED;
  if (hours === null) return '#f2f3f5';
  const x = Math.max(0, Math.min(1, hours / (ref || 1)));
  const a = [232, 247, 238];
  const b = [255, 214, 102];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * x)).join(',')})`;
}

/** The ECharts SVG of the heatmap (server-side rendering, no DOM). */
export function renderHeatmapSvg(data: HeatmapData, opts: PictureOptions = {}): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const echarts = require('echarts') as typeof import('echarts');
  const { width, height } = heatmapPictureSize(data, opts.width);
  const chart = echarts.init(null as unknown as Parameters<typeof echarts.init>[0], null, { renderer: 'svg', ssr: true, width, height });
  try {
    const stageIndex = new Map(data.stages.map((s, i) => [s.key, i]));
    const officeIndex = new Map(data.offices.map((o, i) => [o.id, i]));
    const max = Math.max(0, ...data.cells.map((c) => c.hours ?? 0));
    const period = `${localDate(new Date(data.from), opts.tz)} 至 ${localDate(new Date(data.to), opts.tz)}`;
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: FONT_FAMILY },
      title: {
        text: dashboardTexts.weekly.imageTitle, subtext: `${period} · 平均停留小时 · 红色为超过阈值`,
        left: 16, top: 10, textStyle: { fontSize: 18, fontFamily: FONT_FAMILY }, subtextStyle: { fontSize: 12, fontFamily: FONT_FAMILY },
      },
      grid: { left: 16, right: 16, top: 80, bottom: 12, containLabel: true },
      // ECharts' heatmap requires a visualMap; every cell carries its own colour, which wins over it.
      visualMap: { show: false, min: 0, max: 1, dimension: 2, inRange: { color: ['#f2f3f5'] } },
      xAxis: { type: 'category', position: 'top', data: data.stages.map((s) => `${s.order} ${s.name}`), axisLabel: { interval: 0, fontSize: 12, fontFamily: FONT_FAMILY } },
      yAxis: { type: 'category', inverse: true, data: data.offices.map((o) => o.name), axisLabel: { fontSize: 12, fontFamily: FONT_FAMILY } },
      series: [{
        type: 'heatmap',
        label: { show: true, fontSize: 12, fontFamily: FONT_FAMILY, formatter: (p: { value: unknown }) => {
          const v = (p.value as [number, number, number | string])[2];
          return v === '-' ? '-' : `${Math.round(Number(v))}h`;
        } },
        data: data.cells.map((c) => ({
          value: [stageIndex.get(c.stage) ?? 0, officeIndex.get(c.officeId) ?? 0, c.hours ?? '-'],
          itemStyle: { color: cellColor(c.hours, c.red, c.thresholdHours ?? max), borderColor: '#ffffff', borderWidth: 2 },
        })),
      }],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The heatmap as a PNG buffer (of `heatmapPictureSize(data)`). */
export function renderHeatmapPng(data: HeatmapData, opts: PictureOptions = {}): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const svg = renderHeatmapSvg(data, opts);
  const fontDirs = (opts.fontDirs ?? DEFAULT_FONT_DIRS).filter((d) => fs.existsSync(d));
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'original' },
    background: '#ffffff',
    font: { loadSystemFonts: false, fontDirs, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
