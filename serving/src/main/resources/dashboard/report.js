// Civic Pulse monthly report: plain ES2020 module, no build step, like dashboard.js. report.html?city=sofia&month=2026-11
// reads the query API (docs/api.md) and lays out one city's month for the browser to print: the level and index of the
// month, the dimensions and their indicators, the current next steps and the initiatives. See docs/report.md.
//
// A "day" is the city's calendar day: the P1D-calendar finals, whose from/to are the city's local midnights in UTC.

import { createApi } from './api-client.js';

const DAY_WINDOW = 'P1D-calendar';
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const CONCURRENCY = 4;
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

const $ = (sel, root = document) => root.querySelector(sel);

/** Builds an element: el('p', {class: 'x', dataset: {role: 'v'}}, 'text', child). No innerHTML anywhere. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, val] of Object.entries(attrs)) {
    if (val == null || val === false) continue;
    if (key === 'class') node.className = val;
    else if (key === 'dataset') Object.assign(node.dataset, val);
    else node.setAttribute(key, val === true ? '' : val);
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

/** The value as tests read it: the plain number, a dot, one decimal. */
function plain1(v) {
  if (v == null || !Number.isFinite(v)) return null;
  const s = (Math.round(v * 10) / 10).toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

const nf1 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nfMax1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function fmt1(v) {
  return v == null || !Number.isFinite(v) ? '–' : nf1.format(v);
}

function unitSuffix(unit) {
  if (!unit || unit === 'count') return '';
  return unit === '%' ? '%' : `\u202f${unit}`;
}

function withUnit(v, unit) {
  return v == null || !Number.isFinite(v) ? '–' : `${fmt1(v)}${unitSuffix(unit)}`;
}

function withUnitPlain(v, unit) {
  return v == null ? '–' : `${nfMax1.format(v)}${unitSuffix(unit)}`;
}

/** A change with its sign in words and symbol, so it survives black-and-white printing: "▲ +2.3". */
function changeText(delta, unit = '') {
  if (delta == null || !Number.isFinite(delta)) return null;
  const r = Math.round(delta * 10) / 10;
  if (r === 0) return `= ${nf1.format(0)}${unit}`;
  return `${r > 0 ? '▲ +' : '▼ −'}${nf1.format(Math.abs(r))}${unit}`;
}

function mean(values) {
  const xs = values.filter((v) => v != null && Number.isFinite(v));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function cityName(id) {
  if (!id) return '';
  return id.split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

function parseTime(s) {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : null;
}

// ---------------------------------------------------------------------------------------------------------------
// The city's calendar: local days from the P1D-calendar windows

const pad2 = (n) => String(n).padStart(2, '0');

/** YYYY-MM-DD of a UTC instant (ms). */
function isoDate(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * The city's UTC offset (ms) at a local midnight given in UTC: the one that makes it 00:00 local. Offsets lie in
 * -12 h..+14 h, so only -10..-12 h and +12..+14 h can be confused (both make a midnight); then the one nearer the
 * browser's own offset is taken (a reader of a Honolulu report is more likely west than east of the date line).
 */
function offsetAtMidnight(ms) {
  const r = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  if (r === 0) return 0;
  const east = DAY_MS - r;
  const west = -r;
  const okEast = east <= 14 * HOUR_MS;
  const okWest = west >= -12 * HOUR_MS;
  if (okEast && okWest) {
    const browser = -new Date(ms).getTimezoneOffset() * 60000;
    return Math.abs(east - browser) <= Math.abs(west - browser) ? east : west;
  }
  return okEast ? east : west;
}

/** The local day (YYYY-MM-DD) a P1D-calendar value or score covers, from its `from` (a local midnight). */
function localDay(value) {
  const from = parseTime(value && value.from);
  return from == null ? null : isoDate(from + offsetAtMidnight(from));
}

function monthOf(day) {
  return day.slice(0, 7);
}

function parseMonth(text) {
  const m = MONTH_PATTERN.exec(text || '');
  return m ? { y: Number(m[1]), m: Number(m[2]) } : null;
}

function monthKey(month) {
  return `${month.y}-${pad2(month.m)}`;
}

function shiftMonth(month, by) {
  const d = new Date(Date.UTC(month.y, month.m - 1 + by, 1));
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1 };
}

function daysIn(month) {
  return new Date(Date.UTC(month.y, month.m, 0)).getUTCDate();
}

function dayKeys(month) {
  return Array.from({ length: daysIn(month) }, (_, i) => `${monthKey(month)}-${pad2(i + 1)}`);
}

/**
 * The history range that holds the finals of the month's days: their windows end at the local midnights after the
 * 1st and after the last day; 3 h either side absorb a daylight-saving change, and the span (at most 30 days 6 h)
 * stays within the API's 31 days. What comes back is sorted into days by its own `from`, so the margin is harmless.
 */
function historyRange(month, offset) {
  const firstEnd = Date.UTC(month.y, month.m - 1, 2) - offset;
  const lastEnd = Date.UTC(month.y, month.m, 1) - offset;
  return { from: new Date(firstEnd - 3 * HOUR_MS).toISOString(), to: new Date(lastEnd + 3 * HOUR_MS).toISOString() };
}

const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const longDayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const generatedFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
});

const monthLabel = (month) => monthFmt.format(new Date(Date.UTC(month.y, month.m - 1, 1)));
const dayLabel = (day) => dayFmt.format(new Date(`${day}T12:00:00Z`));
const longDayLabel = (day) => longDayFmt.format(new Date(`${day}T12:00:00Z`));

function offsetLabel(offset) {
  const sign = offset < 0 ? '−' : '+';
  const minutes = Math.round(Math.abs(offset) / 60000);
  return `UTC${sign}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// API access: the dashboard's approach (bearer token from sessionStorage, a dialog on 401, Retry-After on 503)

const { api, requestCount } = createApi({
  unavailable: (text) => notice('unavailable', text, 'info'),
  available: () => clearNotice('unavailable'),
  retries: 10,
});

/** Settles like Promise.allSettled, at most `limit` at once: [{ok, value} | {ok: false, error}] in order. */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next;
      next += 1;
      try {
        results[i] = { ok: true, value: await tasks[i]() };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function settle(promise) {
  return promise.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
}

// ---------------------------------------------------------------------------------------------------------------
// Notices: page-wide at the top, per section in the section (printed with it)

const notices = new Map();

function notice(key, text, kind = 'error') {
  let item = notices.get(key);
  if (!item) {
    item = el('div', { dataset: { notice: key } });
    notices.set(key, item);
    $('[data-role="notices"]').append(item);
  }
  item.className = `notice notice--${kind}`;
  item.replaceChildren(el('p', { class: 'notice__text' }, text));
}

function clearNotice(key) {
  const item = notices.get(key);
  if (item) {
    item.remove();
    notices.delete(key);
  }
}

function sectionNote(role, text, kind = 'error') {
  const node = $(`[data-role="${role}"]`);
  node.hidden = false;
  node.append(el('p', { class: `section-note__item section-note__item--${kind}` }, text));
}

function setText(role, text, root = document) {
  const node = $(`[data-role="${role}"]`, root);
  if (node) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// The month's numbers

/** The final P1D-calendar scores of a month, one per local day (the newest if the store had two). */
function scoresByDay(scores, month) {
  const byDay = new Map();
  for (const s of scores || []) {
    if (!s || s.final === false || s.window !== DAY_WINDOW) continue;
    const day = localDay(s);
    if (!day || monthOf(day) !== monthKey(month)) continue;
    const old = byDay.get(day);
    if (!old || (parseTime(s.updatedAt) ?? 0) >= (parseTime(old.updatedAt) ?? 0)) byDay.set(day, s);
  }
  return byDay;
}

/** Mean, last, best and worst of a series given per day (null: no value that day). */
function summarize(month, valueOf) {
  const points = dayKeys(month).map((day) => ({ day, value: valueOf(day) }));
  const present = points.filter((p) => p.value != null && Number.isFinite(p.value));
  if (!present.length) return { points, days: 0, mean: null, best: null, worst: null, last: null };
  let best = present[0];
  let worst = present[0];
  for (const p of present) {
    if (p.value > best.value) best = p;
    if (p.value < worst.value) worst = p;
  }
  return {
    points, days: present.length, mean: mean(present.map((p) => p.value)), best, worst, last: present[present.length - 1],
  };
}

function dimensionOf(score, dimensionId) {
  return score && (score.dimensions || []).find((d) => d.dimensionId === dimensionId);
}

function indicatorOf(score, indicatorId) {
  for (const dim of (score && score.dimensions) || []) {
    const found = (dim.indicators || []).find((i) => i.indicatorId === indicatorId);
    if (found) return found;
  }
  return null;
}

/**
 * Dimensions and their indicators: the catalogue's, or, when it could not be loaded, what the month's scores name.
 */
function dimensionModel(catalogue, scoreDays) {
  const defs = new Map(((catalogue && catalogue.indicators) || []).map((i) => [i.id, i]));
  if (catalogue && (catalogue.dimensions || []).length) {
    return catalogue.dimensions.map((d) => ({
      id: d.dimensionId,
      name: d.name || d.dimensionId,
      weight: d.weight,
      indicators: (d.indicators || []).map((id) => defs.get(id) || { id, name: id }),
    }));
  }
  const dims = new Map();
  for (const score of scoreDays.values()) {
    for (const d of score.dimensions || []) {
      if (!dims.has(d.dimensionId)) dims.set(d.dimensionId, { id: d.dimensionId, name: d.name || d.dimensionId, weight: d.weight, indicators: new Map() });
      for (const i of d.indicators || []) {
        dims.get(d.dimensionId).indicators.set(i.indicatorId, { id: i.indicatorId, name: i.indicatorId, target: i.target, floor: i.floor });
      }
    }
  }
  return Array.from(dims.values()).map((d) => ({ ...d, indicators: Array.from(d.indicators.values()) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Charts: ECharts, SVG renderer, no animation, so that printing captures the finished drawing

const charts = [];

function drawDailyChart(node, month, points, { name }) {
  const present = points.filter((p) => p.value != null);
  if (!present.length) {
    node.classList.add('report-chart--empty');
    node.setAttribute('aria-label', `${name}: no daily score in ${monthLabel(month)}`);
    node.replaceChildren(el('p', { class: 'report-chart__empty' }, 'No daily score this month.'));
    return;
  }
  node.setAttribute('aria-label', `${name}, daily scores of ${monthLabel(month)}: ${present.length} days; `
    + present.map((p) => `${dayLabel(p.day)} ${plain1(p.value)}`).join(', '));
  if (!window.echarts) {
    node.classList.add('report-chart--empty');
    node.replaceChildren(el('p', { class: 'report-chart__empty' }, 'Chart not available; the numbers are in the text.'));
    return;
  }
  const chart = window.echarts.init(node, null, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    grid: { left: 4, right: 10, top: 8, bottom: 2, containLabel: true },
    xAxis: {
      type: 'category',
      data: points.map((p) => String(Number(p.day.slice(8)))),
      boundaryGap: false,
      axisTick: { show: false },
      axisLine: { lineStyle: { color: '#8a96a3' } },
      axisLabel: { color: '#3d4856', fontSize: 10, interval: (i) => i === 0 || (i + 1) % 5 === 0 },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      interval: 20, // the level bands
      axisLabel: { color: '#3d4856', fontSize: 10 },
      splitLine: { lineStyle: { color: '#c9d0d8', type: 'dashed', width: 0.8 } },
    },
    series: [{
      type: 'line',
      name,
      data: points.map((p) => (p.value == null ? null : Math.round(p.value * 10) / 10)),
      connectNulls: false, // a day without a final is a gap
      showSymbol: true,
      symbol: 'circle',
      symbolSize: 4,
      lineStyle: { width: 2, color: '#123052' },
      itemStyle: { color: '#123052' },
    }],
  });
  fitForPrint(node);
  charts.push(chart);
  // The container's width settles after layout (and changes on rotation, print): redraw at the new size.
  if (!resizeObserver && 'ResizeObserver' in window) resizeObserver = new ResizeObserver(onChartResize);
  if (resizeObserver) resizeObserver.observe(node);
}

let resizeObserver = null;

function onChartResize(entries) {
  for (const entry of entries) {
    const chart = window.echarts && window.echarts.getInstanceByDom(entry.target);
    if (chart) {
      chart.resize();
      fitForPrint(entry.target);
    }
  }
}

/** Gives the SVG a viewBox, so that CSS can scale it to the paper's width without cutting it. */
function fitForPrint(node) {
  const svg = $('svg', node);
  if (!svg) return;
  const w = svg.getAttribute('width');
  const h = svg.getAttribute('height');
  if (w && h) svg.setAttribute('viewBox', `0 0 ${parseFloat(w)} ${parseFloat(h)}`);
}

function resizeCharts() {
  for (const chart of charts) {
    chart.resize();
    fitForPrint(chart.getDom());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sections

function renderHeader(ctx) {
  const { city, month, offset, offsetKnown, monthDays, catalogue, inProgress } = ctx;
  document.title = `${cityName(city)}, ${monthLabel(month)}: monthly report · Civic Pulse`;
  setText('report-city', cityName(city));
  setText('report-month', monthLabel(month)).dataset.month = monthKey(month);
  const days = dayKeys(month);
  setText('report-period', `${longDayLabel(days[0])} – ${longDayLabel(days[days.length - 1])}, the city's calendar days`
    + (offsetKnown ? ` (${offsetLabel(offset)})` : ` (no calendar-day score yet: taken as ${offsetLabel(offset)})`));
  const generated = setText('report-generated', generatedFmt.format(new Date()));
  generated.setAttribute('datetime', new Date().toISOString());
  setText('report-catalogue', catalogue ? catalogue.catalogueVersion || '?' : 'not available');
  setText('report-config', catalogue ? catalogue.configVersion || '?' : 'not available');
  const coverage = $('[data-role="report-coverage"]');
  coverage.dataset.days = monthDays == null ? '' : String(monthDays);
  coverage.textContent = monthDays == null ? 'not available'
    : `${monthDays} of ${days.length} days had a final score${inProgress ? ' (month in progress)' : ''}`;
}

/** Versions used by the month's scores, when they differ from the current catalogue's. */
function noteVersions(ctx, scoreDays) {
  const configs = new Set();
  const catalogues = new Set();
  for (const s of scoreDays.values()) {
    if (s.configVersion) configs.add(s.configVersion);
    if (s.catalogueVersion) catalogues.add(s.catalogueVersion);
  }
  const add = (role, set, current) => {
    const others = Array.from(set).filter((v) => v !== current);
    if (others.length) $(`[data-role="${role}"]`).append(` (the month's scores: ${Array.from(set).sort().join(', ')})`);
  };
  add('report-config', configs, ctx.catalogue && ctx.catalogue.configVersion);
  add('report-catalogue', catalogues, ctx.catalogue && ctx.catalogue.catalogueVersion);
}

function renderLevel(ctx, current, previous) {
  const { month } = ctx;
  const prevMonth = shiftMonth(month, -1);
  const levelNode = $('[data-role="report-level"]');
  const indexNode = $('[data-role="report-index"]');
  if (!current.ok) {
    sectionNote('level-note', `The month's maturity scores could not be loaded: ${current.error.message}`);
    levelNode.textContent = '–';
    indexNode.textContent = '–';
    drawDailyChart($('[data-role="index-chart"]'), month, dayKeys(month).map((day) => ({ day, value: null })), { name: 'City index' });
    return;
  }
  const days = current.value;
  const stats = summarize(month, (day) => days.get(day)?.indexScore ?? null);
  if (!stats.days) {
    sectionNote('level-note', `No final score in ${monthLabel(month)}: there is no level or index for the month.`, 'info');
    levelNode.textContent = '–';
    indexNode.textContent = '–';
    setText('level-meta', 'No data');
  } else {
    const lastScore = days.get(stats.last.day);
    levelNode.textContent = lastScore.level != null ? String(lastScore.level) : '–';
    levelNode.closest('.kpi').dataset.level = lastScore.level ?? '';
    const firstDay = stats.points.find((p) => p.value != null).day;
    const firstLevel = days.get(firstDay).level;
    setText('level-day', `${longDayLabel(stats.last.day)} (index ${fmt1(stats.last.value)})`
      + (firstLevel != null && firstLevel !== lastScore.level ? `; level ${firstLevel} on ${dayLabel(firstDay)}` : ''));
    indexNode.textContent = plain1(stats.mean);
    indexNode.dataset.value = String(stats.mean);
    setText('best-day', `${fmt1(stats.best.value)} on ${dayLabel(stats.best.day)}`);
    setText('worst-day', `${fmt1(stats.worst.value)} on ${dayLabel(stats.worst.day)}`);
    setText('level-meta', `${stats.days} of ${stats.points.length} days with a final score`);
  }
  const changeNode = $('[data-role="index-change"]');
  if (!previous.ok) {
    changeNode.textContent = `${monthLabel(prevMonth)} could not be loaded: ${previous.error.message}`;
  } else {
    const prev = summarize(prevMonth, (day) => previous.value.get(day)?.indexScore ?? null);
    if (prev.mean == null) {
      changeNode.textContent = `No final score in ${monthLabel(prevMonth)} to compare with.`;
    } else if (stats.mean == null) {
      changeNode.textContent = `${monthLabel(prevMonth)}: ${fmt1(prev.mean)}`;
    } else {
      changeNode.textContent = `${changeText(stats.mean - prev.mean)} points vs ${monthLabel(prevMonth)} (${fmt1(prev.mean)})`;
      changeNode.dataset.change = String(stats.mean - prev.mean);
    }
  }
  drawDailyChart($('[data-role="index-chart"]'), month, stats.points, { name: 'City index' });
  setText('index-chart-caption', stats.days
    ? `City index per day (0–100; lines at the level bounds 20, 40, 60, 80). Days without a final score are gaps.`
    : '');
}

/**
 * Indicator values per day: the P1D-calendar finals of the city scope from the indicator history (kept 31 days),
 * and for a day it no longer holds, the same final as the day's maturity score carries it (kept 400 days).
 */
function indicatorDays(history, scoreDays, indicatorId, month) {
  const byDay = new Map();
  for (const v of (history && history.ok && history.value.values) || []) {
    if (v.final === false || v.scope !== 'city' || v.window !== DAY_WINDOW) continue;
    const day = localDay(v);
    if (day && monthOf(day) === monthKey(month)) byDay.set(day, v.kpiValue);
  }
  let fromScores = 0;
  for (const [day, score] of scoreDays) {
    if (byDay.has(day)) continue;
    const v = indicatorOf(score, indicatorId);
    if (v && v.kpiValue != null) {
      byDay.set(day, v.kpiValue);
      fromScores += 1;
    }
  }
  return { byDay, fromScores };
}

function renderDimensions(ctx, current, previous, histories) {
  const { month } = ctx;
  const prevMonth = shiftMonth(month, -1);
  const container = $('[data-role="report-dimensions"]');
  const scoreDays = current.ok ? current.value : new Map();
  const prevDays = previous.ok ? previous.value : new Map();
  if (!current.ok) sectionNote('dimensions-note', `The month's dimension scores could not be loaded: ${current.error.message}`);
  else if (!scoreDays.size) sectionNote('dimensions-note', `No final score in ${monthLabel(month)}: the dimensions have no data.`, 'info');
  if (!previous.ok) sectionNote('dimensions-note', `${monthLabel(prevMonth)} could not be loaded, so there is no change to show: ${previous.error.message}`);
  const failed = Array.from(histories.entries()).filter(([, r]) => !r.ok);
  if (failed.length) {
    sectionNote('dimensions-note', `The daily values of ${failed.length} indicator${failed.length > 1 ? 's' : ''} could not be`
      + ` loaded (${failed[0][1].error.message}); their rows use the days' maturity scores where these have them.`);
  }
  const model = dimensionModel(ctx.catalogue, scoreDays);
  setText('dimensions-meta', `${model.length} dimensions · ${monthLabel(month)} against ${monthLabel(prevMonth)}`);
  container.replaceChildren(...model.map((dim) => {
    const stats = summarize(month, (day) => dimensionOf(scoreDays.get(day), dim.id)?.score ?? null);
    const prev = summarize(prevMonth, (day) => dimensionOf(prevDays.get(day), dim.id)?.score ?? null);
    const coverage = mean(Array.from(scoreDays.values()).map((s) => dimensionOf(s, dim.id)?.indicatorCoverage ?? null));
    const delta = stats.mean != null && prev.mean != null ? stats.mean - prev.mean : null;
    let changeLine;
    if (!previous.ok) changeLine = `${monthLabel(prevMonth)} not available`;
    else if (prev.mean == null) changeLine = `no score in ${monthLabel(prevMonth)}`;
    else if (delta == null) changeLine = `${monthLabel(prevMonth)}: ${fmt1(prev.mean)}`;
    else changeLine = `${changeText(delta)} vs ${monthLabel(prevMonth)} (${fmt1(prev.mean)})`;
    const chart = el('div', { class: 'report-chart', role: 'img', dataset: { role: 'dimension-chart' } });
    const rows = dim.indicators.map((def) => indicatorRow(def, histories.get(def.id), scoreDays, prevDays, month, prevMonth));
    const headingId = `dim-${dim.id.replace(/[^a-z0-9-]/gi, '-')}`;
    const article = el('article', { class: 'report-dim', 'aria-labelledby': headingId, dataset: { dimension: dim.id } },
      el('header', { class: 'report-dim__head' },
        el('h3', { class: 'report-dim__name', id: headingId }, dim.name),
        el('p', { class: 'report-dim__score' },
          el('span', { class: 'report-dim__mean', dataset: { role: 'dimension-mean', value: stats.mean == null ? '' : String(stats.mean) } },
            stats.mean == null ? 'No data' : plain1(stats.mean)),
          stats.mean == null ? null : el('span', { class: 'kpi__of' }, ' / 100'),
          el('span', { class: 'report-dim__change', dataset: { role: 'dimension-change', change: delta == null ? '' : String(delta) } }, changeLine)),
        el('p', { class: 'report-dim__fine' }, `${stats.days} of ${stats.points.length} days with a score`
          + (coverage != null ? ` · on average ${Math.round(coverage * 100)}% of its indicators had data` : '')
          + (dim.weight != null && dim.weight !== 1 ? ` · weight ${nfMax1.format(dim.weight)}` : ''))),
      el('figure', { class: 'report-figure report-figure--dim' }, chart,
        el('figcaption', { class: 'visually-hidden' }, `${dim.name}: daily score`)),
      el('div', { class: 'table-wrap' }, el('table', { class: 'report-table' },
        el('caption', { class: 'visually-hidden' }, `${dim.name}: its indicators in ${monthLabel(month)}`),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Indicator'),
          el('th', { scope: 'col', class: 'num' }, 'Month'),
          el('th', { scope: 'col', class: 'num' }, `vs ${monthFmt.formatToParts(new Date(Date.UTC(prevMonth.y, prevMonth.m - 1, 1))).find((p) => p.type === 'month').value}`),
          el('th', { scope: 'col', class: 'num' }, 'Days'),
          el('th', { scope: 'col', class: 'num' }, 'Target'))),
        el('tbody', {}, ...rows))));
    // Drawn once in the page, so that ECharts measures the real width.
    queueMicrotask(() => drawDailyChart(chart, month, stats.points, { name: dim.name }));
    return article;
  }));
}

function indicatorRow(def, history, scoreDays, prevDays, month, prevMonth) {
  const { byDay, fromScores } = indicatorDays(history, scoreDays, def.id, month);
  const value = mean(Array.from(byDay.values()));
  const prevValues = [];
  for (const [day, s] of prevDays) {
    if (monthOf(day) !== monthKey(prevMonth)) continue;
    const v = indicatorOf(s, def.id);
    if (v && v.kpiValue != null) prevValues.push(v.kpiValue);
  }
  const prev = mean(prevValues);
  const delta = value != null && prev != null ? value - prev : null;
  const better = delta == null || Math.abs(delta) < 0.05 ? null
    : (def.direction === 'LOWER_IS_BETTER') === (delta < 0) ? 'better' : 'worse';
  const arrow = def.direction === 'LOWER_IS_BETTER' ? '↓' : '↑';
  const notes = [];
  if (history && !history.ok) notes.push('history not available');
  if (fromScores && value != null) notes.push(`${fromScores} day${fromScores > 1 ? 's' : ''} from the daily scores`);
  return el('tr', { dataset: { indicator: def.id } },
    el('th', { scope: 'row' },
      el('span', { class: 'report-table__name' }, def.name || def.id),
      el('span', { class: 'report-table__fine' },
        `${arrow} ${def.direction === 'LOWER_IS_BETTER' ? 'lower' : 'higher'} is better${notes.length ? ` · ${notes.join(' · ')}` : ''}`)),
    el('td', { class: 'num', 'data-label': 'Month', dataset: { role: 'indicator-month-value', value: value == null ? '' : String(value) } },
      value == null ? 'No data' : withUnit(value, def.unit)),
    el('td', { class: 'num', 'data-label': 'Change', dataset: { better: better || '' } },
      delta == null ? '–' : `${changeText(delta)}${better ? ` (${better})` : ''}`),
    el('td', { class: 'num', 'data-label': 'Days' }, `${byDay.size}/${daysIn(month)}`),
    el('td', { class: 'num', 'data-label': 'Target' }, def.target == null ? 'not scored' : withUnitPlain(def.target, def.unit)));
}

function renderNextSteps(result) {
  const summary = $('[data-role="steps-summary"]');
  const list = $('[data-role="steps-list"]');
  if (!result.ok) {
    if (result.error.status === 404) {
      summary.textContent = 'No current score: once an indicator of the index has data, the next steps appear here.';
    } else {
      summary.textContent = 'Not available.';
      sectionNote('steps-note', `The next steps could not be loaded: ${result.error.message}`);
    }
    list.replaceChildren();
    return;
  }
  const plan = result.value;
  const to = parseTime(plan.to);
  setText('steps-meta', `Current, not the month's: ${plan.window} window${to ? ` ending ${generatedFmt.format(new Date(to))}` : ''}`
    + `${plan.final ? ' · final' : ' · live'}`);
  summary.textContent = plan.summary || '';
  const steps = plan.steps || [];
  list.hidden = !steps.length;
  list.replaceChildren(...steps.map((step, i) => el('li', {
    class: `step${step.partial ? ' step--partial' : ''}`, dataset: { step: step.indicatorId },
  },
  el('span', { class: 'step__n', 'aria-hidden': 'true' }, String(i + 1)),
  el('div', { class: 'step__body' },
    el('p', { class: 'step__head' },
      el('span', { class: 'step__name' }, step.name || step.indicatorId),
      el('span', { class: 'step__gain', dataset: { role: 'step-gain' } }, `+${fmt1(step.gain)} index points`)),
    el('p', { class: 'step__move' },
      'From ', el('span', { class: 'step__value', dataset: { role: 'current-value' } }, withUnit(step.currentValue, step.unit)),
      ' to ', el('strong', { class: 'step__value', dataset: { role: 'needed-value', value: String(step.neededValue) } },
        `${neededText(step.neededValue, step.direction)}${unitSuffix(step.unit)}`),
      step.partial ? ` (target ${withUnitPlain(step.target, step.unit)})` : ' (its target)',
      el('span', { class: 'step__dim' }, ` · raises ${step.dimensionName}`),
      el('span', { class: 'step__dim' }, ` · index ${fmt1(step.indexBefore)} → ${fmt1(step.indexAfter)}`)),
    el('p', { class: 'step__math', dataset: { role: 'arithmetic' } }, step.arithmetic)))));
  const missing = plan.unmeasured || [];
  $('[data-role="steps-unmeasured"]').replaceChildren(...(missing.length ? [
    el('h3', { class: 'report-sub' }, `Not measured yet (${missing.length})`),
    el('p', { class: 'report-fine' }, 'Getting data for these is a step of its own; no index points are claimed for it.'),
    el('ul', { class: 'report-list' }, ...missing.map((u) => el('li', { dataset: { unmeasured: u.indicatorId } },
      `${u.name || u.indicatorId} · ${u.dimensionName} · target ${withUnitPlain(u.target, u.unit)}`))),
  ] : []));
}

/** A needed value to one decimal, rounded toward the target: reaching the shown number is enough (as the dashboard). */
function neededText(v, direction) {
  if (v == null || !Number.isFinite(v)) return '–';
  const tenths = v * 10;
  return plain1((direction === 'LOWER_IS_BETTER' ? Math.floor(tenths + 1e-9) : Math.ceil(tenths - 1e-9)) / 10);
}

// ---------------------------------------------------------------------------------------------------------------
// Initiatives: none are declared yet. When the API has them, loadInitiatives is the one function to change: return
// [{id, name, description, indicatorIds, status}] for the city and month; the section renders them with the month's
// values of their indicators.

async function loadInitiatives(/* city, month */) {
  return [];
}

function renderInitiatives(ctx, result, indicatorMonth) {
  const box = $('[data-role="initiatives"]');
  if (!result.ok) {
    box.replaceChildren(el('p', { class: 'section-note__item section-note__item--error' },
      `The initiatives could not be loaded: ${result.error.message}`));
    return;
  }
  const list = result.value || [];
  box.dataset.count = String(list.length);
  if (!list.length) {
    box.replaceChildren(el('p', { class: 'panel__empty', dataset: { role: 'initiatives-empty' } },
      `No initiatives declared for ${cityName(ctx.city)}. Once the city declares its projects, each one is reported`
      + ' here with the month\u2019s values of the indicators it aims to move.'));
    return;
  }
  box.replaceChildren(el('ul', { class: 'report-list report-initiatives' }, ...list.map((it) => el('li', {
    dataset: { initiative: it.id },
  },
  el('p', { class: 'report-initiatives__name' }, it.name || it.id, it.status ? ` · ${it.status}` : ''),
  it.description ? el('p', { class: 'report-fine' }, it.description) : null,
  el('p', { class: 'report-fine' }, (it.indicatorIds || []).map((id) => {
    const m = indicatorMonth.get(id);
    return `${m ? m.name : id}: ${m && m.value != null ? withUnit(m.value, m.unit) : 'no data'}`;
  }).join(' · '))))));
}

// ---------------------------------------------------------------------------------------------------------------
// Start

function wirePrint() {
  const button = $('[data-role="print"]');
  button.addEventListener('click', () => window.print());
  button.disabled = false;
  // Charts follow the paper's width: resized before printing and back after.
  window.addEventListener('beforeprint', resizeCharts);
  window.addEventListener('afterprint', resizeCharts);
  let timer = null;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(resizeCharts, 150);
  });
  $('[data-role="token-dialog"]').addEventListener('cancel', (e) => {
    e.target.returnValue = '';
  });
}

async function renderCityChooser() {
  const main = $('[data-role="report"]');
  const box = el('section', { class: 'panel report-section', dataset: { section: 'choose' } },
    el('h2', {}, 'Which city?'), el('p', { class: 'panel__empty' }, 'Loading the cities…'));
  main.replaceChildren(box);
  try {
    const res = await api('api/v1/cities');
    const cities = (res.cities || []).filter((c) => c && c.city);
    box.replaceChildren(el('h2', {}, 'Which city?'), cities.length
      ? el('ul', { class: 'report-list' }, ...cities.map((c) => el('li', {},
        el('a', { href: `report.html?city=${encodeURIComponent(c.city)}` }, `Monthly report of ${cityName(c.city)}`))))
      : el('p', { class: 'panel__empty' }, 'No city has data yet.'));
  } catch (err) {
    box.replaceChildren(el('h2', {}, 'Which city?'),
      el('p', { class: 'panel__empty' }, `The cities could not be loaded: ${err.message}. Add ?city=<id> to the address.`));
  }
  main.dataset.state = 'ready';
}

async function start() {
  wirePrint();
  const main = $('[data-role="report"]');
  const params = new URLSearchParams(location.search);
  const city = (params.get('city') || '').trim();
  if (!city) {
    await renderCityChooser();
    return;
  }
  $('[data-role="dashboard-link"]').setAttribute('href', `./#city=${encodeURIComponent(city)}`);
  setText('report-city', cityName(city));

  // The catalogue and the newest calendar-day score (its `from` is today's local midnight: the city's offset).
  const [catalogueResult, todayResult] = await Promise.all([
    settle(api('api/v1/catalogue')),
    settle(api(`api/v1/maturity/${encodeURIComponent(city)}`, { window: DAY_WINDOW })),
  ]);
  const catalogue = catalogueResult.ok ? catalogueResult.value : null;
  if (!catalogueResult.ok) notice('catalogue', `The indicator catalogue could not be loaded: ${catalogueResult.error.message}`);
  let offset;
  const offsetKnown = todayResult.ok && parseTime(todayResult.value.from) != null;
  if (offsetKnown) {
    offset = offsetAtMidnight(parseTime(todayResult.value.from));
  } else {
    offset = -new Date().getTimezoneOffset() * 60000; // no calendar day yet: this browser's offset
    if (todayResult.error && todayResult.error.status !== 404) {
      notice('today', `The city's newest score could not be loaded (${todayResult.error.message}); its days are taken`
        + ' in this browser\u2019s time zone.');
    }
  }
  const today = isoDate(Date.now() + offset);
  const todayMonth = parseMonth(monthOf(today));
  const asked = params.get('month');
  let month = parseMonth(asked);
  if (asked && !month) notice('month', `"${asked}" is not a month (YYYY-MM); showing the last complete month.`, 'info');
  if (!month) {
    month = shiftMonth(todayMonth, -1);
    params.set('month', monthKey(month));
    history.replaceState(null, '', `${location.pathname}?${params.toString()}`);
  }
  const key = monthKey(month);
  const inProgress = key === monthKey(todayMonth);
  const ctx = { city, month, offset, offsetKnown, catalogue, inProgress, monthDays: null };
  renderHeader(ctx);
  const headNote = $('[data-role="report-head-note"]');
  if (key > monthKey(todayMonth)) {
    headNote.hidden = false;
    headNote.textContent = `${monthLabel(month)} has not begun in ${cityName(city)}: there is no data for it yet.`;
  } else if (inProgress) {
    headNote.hidden = false;
    headNote.textContent = `${monthLabel(month)} is still in progress: the report covers its days so far.`;
  }

  // Everything else at once, a few at a time: two maturity histories, the next steps, one history per indicator.
  const prevMonth = shiftMonth(month, -1);
  const scored = catalogue
    ? (catalogue.indicators || []).filter((i) => i.dimensionId && (catalogue.dimensions || []).some((d) => d.dimensionId === i.dimensionId)).map((i) => i.id)
    : [];
  const range = historyRange(month, offset);
  const prevRange = historyRange(prevMonth, offset);
  const encCity = encodeURIComponent(city);
  const tasks = [
    () => api(`api/v1/maturity/${encCity}/history`, { window: DAY_WINDOW, ...range }),
    () => api(`api/v1/maturity/${encCity}/history`, { window: DAY_WINDOW, ...prevRange }),
    () => api(`api/v1/cities/${encCity}/next-steps`),
    ...scored.map((id) => () => api(`api/v1/indicators/${encCity}/${encodeURIComponent(id)}/history`,
      { scope: 'city', window: DAY_WINDOW, ...range })),
  ];
  const [initiatives, results] = await Promise.all([settle(loadInitiatives(city, month)), pool(tasks, CONCURRENCY)]);
  const [curRes, prevRes, stepsRes, ...historyRes] = results;
  const toDays = (r, m) => (r.ok ? { ok: true, value: scoresByDay(r.value.scores, m) } : r);
  const current = toDays(curRes, month);
  const previous = toDays(prevRes, prevMonth);
  const histories = new Map(scored.map((id, i) => [id, historyRes[i]]));

  ctx.monthDays = current.ok ? current.value.size : null;
  renderHeader(ctx);
  if (current.ok) noteVersions(ctx, current.value);
  renderLevel(ctx, current, previous);
  renderDimensions(ctx, current, previous, histories);
  renderNextSteps(stepsRes);
  const indicatorMonth = new Map();
  for (const def of (catalogue && catalogue.indicators) || []) {
    const { byDay } = indicatorDays(histories.get(def.id), current.ok ? current.value : new Map(), def.id, month);
    indicatorMonth.set(def.id, { name: def.name, unit: def.unit, value: mean(Array.from(byDay.values())) });
  }
  renderInitiatives(ctx, initiatives, indicatorMonth);
  await new Promise((resolve) => setTimeout(resolve, 0)); // the queued charts
  main.dataset.state = 'ready';
  main.dataset.requests = String(requestCount());
}

start().catch((err) => {
  notice('start', `The report could not be built: ${err.message}`);
  $('[data-role="report"]').dataset.state = 'error';
});
