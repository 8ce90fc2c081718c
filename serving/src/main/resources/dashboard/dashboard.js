// Civic Pulse dashboard: plain ES2020 module, no framework, no build step. It reads the query API of docs/api.md
// and its live stream; ECharts (from the WebJar) draws the 24 h charts when it is there, the text says the rest.

import { TOKEN_KEY, createApi } from './api-client.js';

const HISTORY_WINDOW = 'PT15M';
const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_WINDOW = 'PT1H';
const WINDOW_LABELS = {
  PT15M: '15 min',
  PT1H: '1 hour',
  PT24H: '24 hours',
  'P1D-calendar': 'Today',
};
const WINDOW_LONG = {
  PT15M: 'the last 15 minutes',
  PT1H: 'the last hour',
  PT24H: 'the last 24 hours',
  'P1D-calendar': 'the calendar day',
};
const STANDING_LABELS = {
  veryBad: 'Very poor',
  bad: 'Poor',
  fair: 'Fair',
  good: 'Good',
  veryGood: 'Very good',
};
const SCOPE_LABELS = { route: 'route', district: 'district', service: 'service', stop: 'stop' };
const STANDING_COLOURS = {
  veryBad: '#b3261e',
  bad: '#c2570c',
  fair: '#9a6b00',
  good: '#2f7d32',
  veryGood: '#1b5e20',
  none: '#1f5f99',
};

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Builds an element: el('p', {class: 'x', dataset: {role: 'v'}}, 'text', child). No innerHTML anywhere. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, val] of Object.entries(attrs)) {
    if (val == null || val === false) continue;
    if (key === 'class') node.className = val;
    else if (key === 'dataset') Object.assign(node.dataset, val);
    else if (key === 'text') node.textContent = val;
    else node.setAttribute(key, val === true ? '' : val);
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and times

/** The value as tests read it: the plain number, a dot, one decimal. */
function plain1(v) {
  if (v == null || !Number.isFinite(v)) return null;
  const s = (Math.round(v * 10) / 10).toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

const nf1 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const nfMax1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function fmt1(v) {
  return v == null || !Number.isFinite(v) ? '–' : nf1.format(v);
}

function fmtCount(v) {
  if (v == null || !Number.isFinite(v)) return '–';
  return Number.isInteger(v) ? nf0.format(v) : nfMax1.format(v);
}

function unitSuffix(unit) {
  if (!unit || unit === 'count') return '';
  return unit === '%' ? '%' : `\u202f${unit}`;
}

function unitWords(unit) {
  return { '%': 'percent', s: 'seconds', h: 'hours' }[unit] || '';
}

function withUnit(v, unit) {
  return v == null ? '–' : `${fmt1(v)}${unitSuffix(unit)}`;
}

/** Configured numbers (floor, target): no trailing .0 where there is no fraction. */
function withUnitPlain(v, unit) {
  return v == null ? '–' : `${nfMax1.format(v)}${unitSuffix(unit)}`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const hourFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
});

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "1 hour to 10:15", or for a calendar day "day of 7 Dec" (its `to` is the coming midnight). */
function windowSpan(v) {
  const from = parseTime(v.from);
  const to = parseTime(v.to);
  if (v.window === 'P1D-calendar') {
    return from != null && to != null ? `day of ${dayFmt.format(new Date((from + to) / 2))}` : 'calendar day';
  }
  return `${WINDOW_LABELS[v.window] || v.window}${to != null ? ` to ${timeFmt.format(new Date(to))}` : ''}`;
}

function parseTime(s) {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : null;
}

function cityName(id) {
  if (!id) return '';
  return id.split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// State

const state = {
  catalogue: null,
  indicators: new Map(), // id -> catalogue indicator
  cities: [],
  city: null,
  window: DEFAULT_WINDOW,
  dataTime: null, // newest `to` seen in the data (ms), never the wall clock
  values: new Map(), // id -> IndicatorValue, city scope, selected window
  history: new Map(), // id -> Map(toMs -> IndicatorValue), final PT15M city values
  live15: new Map(), // id -> newest non-final PT15M city value
  historyState: new Map(), // id -> 'loading' | 'ready' | 'error'
  maturity: null,
  nextSteps: null,
  compare: new Map(), // city -> {maturity, values: Map}
  cards: new Map(), // id -> {root, value, ...}
  charts: new Map(), // id -> echarts instance
  drills: new Map(), // `${id}|${kind}` -> {details, body, rows: Map scope->value, sort}
  generation: 0, // bumped on each city or window load so stale answers are dropped
  stream: null,
  streamRetry: 0,
  streamTimer: null,
  streamHadError: false,
};

// ---------------------------------------------------------------------------------------------------------------
// Notices: every failure is said on the page, never a blank panel

const notices = new Map();

function notice(key, text, { kind = 'error', retry = null } = {}) {
  const box = $('[data-role="notices"]');
  let item = notices.get(key);
  if (!item) {
    item = el('div', { class: 'notice', dataset: { notice: key } });
    notices.set(key, item);
    box.append(item);
  }
  item.className = `notice notice--${kind}`;
  item.replaceChildren(el('p', { class: 'notice__text' }, text));
  if (retry) {
    const button = el('button', { type: 'button', class: 'button button--small' }, 'Try again');
    button.addEventListener('click', () => {
      clearNotice(key);
      tokenDeclined = false; // a deliberate retry may ask for the token again
      retry();
    });
    item.append(button);
  }
}

function clearNotice(key) {
  const item = notices.get(key);
  if (item) {
    item.remove();
    notices.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// API access: bearer token on 401, Retry-After on 503

const { api } = createApi({
  unavailable: (text) => notice('unavailable', text, { kind: 'info' }),
  available: () => clearNotice('unavailable'),
  retries: 30,
});

/** Runs tasks with at most `limit` at once. */
async function pool(items, limit, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------------------------------------------
// Data time

function noteDataTime(value) {
  // A calendar day's `to` is the coming midnight, not how far the data has got: it does not move the clock.
  if (!value || value.window === 'P1D-calendar') return;
  const t = parseTime(value.to);
  if (t != null && (state.dataTime == null || t > state.dataTime)) {
    state.dataTime = t;
    const node = $('[data-role="data-time"]');
    node.textContent = dateTimeFmt.format(new Date(t));
    node.setAttribute('datetime', new Date(t).toISOString());
    markAllChartsDirty();
  }
}

function resetDataTime() {
  state.dataTime = null;
  const node = $('[data-role="data-time"]');
  node.textContent = '…';
  node.removeAttribute('datetime');
}

// ---------------------------------------------------------------------------------------------------------------
// URL hash: #city=sofia&window=PT1H

function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return { city: params.get('city'), window: params.get('window') };
}

function writeHash() {
  const params = new URLSearchParams();
  if (state.city) params.set('city', state.city);
  if (state.window !== DEFAULT_WINDOW) params.set('window', state.window);
  const hash = `#${params.toString()}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

// ---------------------------------------------------------------------------------------------------------------
// Live stream status

function setConnection(kind, text) {
  const node = $('[data-role="connection"]');
  node.dataset.state = kind;
  $('.conn__text', node).textContent = text;
}

// ---------------------------------------------------------------------------------------------------------------
// Maturity panel

function renderMaturity() {
  const m = state.maturity;
  const scoreNode = $('[data-role="index-score"]');
  const levelNode = $('[data-role="level"]');
  const meta = $('[data-role="maturity-meta"]');
  const score = m ? plain1(m.indexScore) : null;
  setText(scoreNode, score ?? '–');
  setText(levelNode, m && m.level != null ? String(m.level) : '–');
  scoreNode.closest('.index-block').dataset.level = m && m.level != null ? m.level : '';
  for (const li of $$('[data-level]', $('[data-role="level-scale"]'))) {
    const n = Number(li.dataset.level);
    const current = m && m.level === n;
    li.classList.toggle('is-current', current);
    li.classList.toggle('is-reached', Boolean(m && m.level != null && n <= m.level));
    if (current) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  if (!m) {
    meta.textContent = 'No maturity score yet.';
    $('[data-role="dimensions"]').replaceChildren(el('li', { class: 'empty' }, 'No dimension scores yet.'));
    return;
  }
  const to = parseTime(m.to);
  meta.textContent = `${WINDOW_LABELS[m.window] || m.window} window${to ? ` ending ${timeFmt.format(new Date(to))}` : ''}`
    + ` · ${m.final ? 'final' : 'live'}`;
  renderDimensions(m.dimensions || []);
}

function renderDimensions(dimensions) {
  const list = $('[data-role="dimensions"]');
  const known = new Set();
  $$('.empty', list).forEach((n) => n.remove());
  for (const dim of dimensions) {
    known.add(dim.dimensionId);
    let row = $(`[data-dimension="${CSS.escape(dim.dimensionId)}"]`, list);
    if (!row) {
      row = buildDimensionRow(dim);
      list.append(row);
    }
    updateDimensionRow(row, dim);
  }
  for (const row of $$('[data-dimension]', list)) if (!known.has(row.dataset.dimension)) row.remove();
}

function buildDimensionRow(dim) {
  const fill = el('span', { class: 'bar__fill' });
  const summary = el('summary', { class: 'dim__summary' },
    el('span', { class: 'dim__head' },
      el('span', { class: 'dim__name' }, dim.name || dim.dimensionId),
      el('span', { class: 'dim__score' }, el('span', { dataset: { role: 'dimension-score' } }, '–'),
        el('span', { class: 'dim__of' }, ' / 100'))),
    el('span', { class: 'bar', 'aria-hidden': 'true' }, fill),
    el('span', { class: 'dim__coverage', dataset: { role: 'coverage' } }));
  const table = el('table', { class: 'made-of' },
    el('caption', { class: 'visually-hidden' }, `What ${dim.name || dim.dimensionId} is made of`),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Indicator'),
      el('th', { scope: 'col', class: 'num' }, 'Value'),
      el('th', { scope: 'col', class: 'num' }, 'Score'),
      el('th', { scope: 'col', class: 'num' }, 'Floor'),
      el('th', { scope: 'col', class: 'num' }, 'Target'),
      el('th', { scope: 'col', class: 'num' }, 'Weight'))),
    el('tbody'));
  const details = el('details', { class: 'dim__details' }, summary,
    el('div', { class: 'made-of__wrap' },
      el('p', { class: 'made-of__note' },
        'Each indicator scores 0 at its floor and 100 at its target; the dimension is the weighted mean of the'
        + ' indicators with data.'),
      table));
  return el('li', { class: 'dim', dataset: { dimension: dim.dimensionId } }, details);
}

function updateDimensionRow(row, dim) {
  const scoreText = plain1(dim.score);
  setText($('[data-role="dimension-score"]', row), scoreText ?? 'No data');
  row.classList.toggle('dim--empty', scoreText == null);
  const fill = $('.bar__fill', row);
  fill.style.width = `${Math.max(0, Math.min(100, dim.score ?? 0))}%`;
  fill.dataset.standing = standingOfScore(dim.score) || 'none';
  const inds = dim.indicators || [];
  const withData = inds.filter((i) => i.kpiValue != null).length;
  const weight = dim.weight != null && dim.weight !== 1 ? ` · weight ${fmtCount(dim.weight)}` : '';
  $('[data-role="coverage"]', row).textContent = `${withData} of ${inds.length} indicators with data${weight}`;
  const body = $('tbody', row);
  body.replaceChildren(...inds.map((i) => {
    const def = state.indicators.get(i.indicatorId);
    const unit = def ? def.unit : '';
    return el('tr', { dataset: { indicatorRow: i.indicatorId } },
      el('th', { scope: 'row' }, def ? def.name : i.indicatorId),
      el('td', { class: 'num', 'data-label': 'Value' }, i.kpiValue == null ? 'No data' : withUnit(i.kpiValue, unit)),
      el('td', { class: 'num', 'data-label': 'Score' }, i.score == null ? '–' : fmt1(i.score)),
      el('td', { class: 'num', 'data-label': 'Floor' }, withUnitPlain(i.floor, unit)),
      el('td', { class: 'num', 'data-label': 'Target' }, withUnitPlain(i.target, unit)),
      el('td', { class: 'num', 'data-label': 'Weight' }, fmtCount(i.weight)));
  }));
}

function standingOfScore(score) {
  if (score == null) return null;
  if (score < 20) return 'veryBad';
  if (score < 40) return 'bad';
  if (score < 60) return 'fair';
  if (score < 80) return 'good';
  return 'veryGood';
}

/** Sets text; when it changes (not the first time), highlights the element briefly. */
function setText(node, text) {
  if (!node) return;
  const before = node.textContent;
  if (before === text) return;
  node.textContent = text;
  if (node.dataset.filled === 'yes') {
    node.classList.remove('is-changed');
    void node.offsetWidth; // restart the animation
    node.classList.add('is-changed');
  }
  node.dataset.filled = 'yes';
}

// ---------------------------------------------------------------------------------------------------------------
// Next steps: what each indicator is worth and the fewest steps to the next level (api/v1/cities/{city}/next-steps)

const NEXT_STEPS_EVERY_MS = 5000;
let nextStepsTimer = null;
let nextStepsLast = 0;

/** A maturity event asks for fresh next steps, at most every few seconds: the plan is a few kB per request. */
function scheduleNextSteps() {
  if (nextStepsTimer) return;
  const gen = state.generation;
  const wait = Math.max(250, nextStepsLast + NEXT_STEPS_EVERY_MS - Date.now());
  nextStepsTimer = setTimeout(() => {
    nextStepsTimer = null;
    if (gen === state.generation) loadNextSteps(gen);
  }, wait);
}

async function loadNextSteps(gen) {
  nextStepsLast = Date.now();
  try {
    const plan = await api(`api/v1/cities/${encodeURIComponent(state.city)}/next-steps`);
    if (gen !== state.generation) return;
    state.nextSteps = plan;
    renderNextSteps(plan);
    clearNotice('next-steps');
  } catch (err) {
    if (gen !== state.generation) return;
    if (err.status === 404) {
      state.nextSteps = null;
      renderNextSteps(null);
      return;
    }
    notice('next-steps', `The next steps could not be loaded: ${err.message}`,
      { retry: () => loadNextSteps(state.generation) });
    $('[data-role="next-steps-meta"]').textContent = 'Not available.';
  }
}

/** A needed value to one decimal, rounded toward the target: reaching the shown number is enough. */
function neededText(v, direction) {
  if (v == null || !Number.isFinite(v)) return null;
  const tenths = v * 10;
  const r = (direction === 'LOWER_IS_BETTER' ? Math.floor(tenths + 1e-9) : Math.ceil(tenths - 1e-9)) / 10;
  return plain1(r);
}

function gainText(v) {
  if (v == null || !Number.isFinite(v)) return '–';
  return `+${v < 1 ? v.toFixed(2) : fmt1(v)}`;
}

function renderNextSteps(plan) {
  const panel = $('[data-role="next-steps"]');
  const meta = $('[data-role="next-steps-meta"]');
  const summary = $('[data-role="next-steps-summary"]');
  const list = $('[data-role="next-steps-list"]');
  const ranked = $('[data-role="next-steps-ranked"]');
  const unmeasured = $('[data-role="next-steps-unmeasured"]');
  panel.dataset.level = plan && plan.level != null ? plan.level : '';
  if (!plan) {
    meta.textContent = '';
    summary.textContent = 'No score yet: once an indicator of the index has data, this panel says what lifts the'
      + ' city to its next level.';
    list.replaceChildren();
    list.hidden = true;
    ranked.hidden = true;
    unmeasured.replaceChildren();
    return;
  }
  const to = parseTime(plan.to);
  meta.textContent = `${WINDOW_LABELS[plan.window] || plan.window} window${to ? ` ending ${timeFmt.format(new Date(to))}` : ''}`
    + ` · ${plan.final ? 'final' : 'live'}`;
  summary.textContent = plan.summary || '';
  const steps = plan.steps || [];
  list.hidden = !steps.length;
  list.replaceChildren(...steps.map((step, i) => buildStep(step, i + 1)));
  const options = plan.indicators || [];
  ranked.hidden = !options.length;
  $('[data-role="next-steps-ranked-body"]').replaceChildren(buildRanked(options));
  const missing = plan.unmeasured || [];
  // Kept open or closed across refreshes: the live stream redraws the panel every few seconds.
  const wasOpen = Boolean($('details', unmeasured)?.open);
  unmeasured.replaceChildren(...(missing.length ? [el('details', { class: 'unmeasured__details', open: wasOpen },
    el('summary', {}, `Not measured yet: ${missing.length} indicator${missing.length > 1 ? 's' : ''}`),
    el('p', { class: 'unmeasured__note' }, 'Getting data for these is a step of its own. No index points are'
      + ' claimed for it: missing data lowers a dimension\u2019s coverage, not its score, so a first value may raise'
      + ' or lower the index.'),
    el('ul', { class: 'unmeasured__list' }, ...missing.map((u) => el('li', { dataset: { unmeasured: u.indicatorId } },
      el('span', { class: 'unmeasured__name' }, u.name || u.indicatorId),
      el('span', { class: 'unmeasured__dim' }, ` · ${u.dimensionName}${u.dimensionHasScore ? '' : ' (no data in the dimension yet)'}`),
      el('span', { class: 'unmeasured__target' }, ` · target ${withUnitPlain(u.target, u.unit)}`)))))] : []));
}

function buildStep(step, n) {
  const needed = neededText(step.neededValue, step.direction);
  return el('li', { class: `step${step.partial ? ' step--partial' : ''}`, dataset: { step: step.indicatorId } },
    el('span', { class: 'step__n', 'aria-hidden': 'true' }, String(n)),
    el('div', { class: 'step__body' },
      el('p', { class: 'step__head' },
        el('span', { class: 'step__name' }, step.name || step.indicatorId),
        el('span', { class: 'step__gain', dataset: { role: 'step-gain' } }, `${gainText(step.gain)} index points`)),
      el('p', { class: 'step__move' },
        'From ', el('span', { class: 'step__value', dataset: { role: 'current-value' } }, withUnit(step.currentValue, step.unit)),
        ' to ', el('strong', {
          class: 'step__value step__value--needed', dataset: { role: 'needed-value', value: String(step.neededValue) },
        }, `${needed}${unitSuffix(step.unit)}`),
        step.partial ? ` (target ${withUnitPlain(step.target, step.unit)})` : ' (its target)',
        el('span', { class: 'step__dim' }, ` · raises ${step.dimensionName}`)),
      el('p', { class: 'step__math', dataset: { role: 'arithmetic' } }, step.arithmetic)));
}

function buildRanked(options) {
  return el('div', { class: 'table-wrap' }, el('table', { class: 'ranked__table' },
    el('caption', { class: 'visually-hidden' }, 'Every measured indicator, by index points per unit of distance to its target'),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', class: 'num' }, '#'),
      el('th', { scope: 'col' }, 'Indicator'),
      el('th', { scope: 'col', class: 'num' }, 'Now'),
      el('th', { scope: 'col', class: 'num' }, 'Target'),
      el('th', { scope: 'col', class: 'num' }, 'Distance'),
      el('th', { scope: 'col', class: 'num' }, 'Index points'),
      el('th', { scope: 'col', class: 'num' }, 'Per unit'))),
    el('tbody', {}, ...options.map((o) => el('tr', { dataset: { ranked: o.indicatorId }, class: o.atTarget ? 'is-done' : null },
      el('td', { class: 'num ranked__n', 'data-label': '#' }, String(o.rank)),
      el('th', { scope: 'row' }, el('span', { class: 'ranked__name' },
        el('span', { class: 'ranked__rank', 'aria-hidden': 'true' }, `${o.rank}. `), o.name || o.indicatorId),
        el('span', { class: 'ranked__math' }, o.atTarget ? `At its target · ${o.dimensionName}` : o.arithmetic)),
      el('td', { class: 'num', 'data-label': 'Now' }, withUnit(o.currentValue, o.unit)),
      el('td', { class: 'num', 'data-label': 'Target' }, withUnitPlain(o.target, o.unit)),
      el('td', { class: 'num', 'data-label': 'Distance' }, withUnit(o.distance, o.unit)),
      el('td', { class: 'num', 'data-label': 'Index points' }, gainText(o.gainAtTarget)),
      el('td', { class: 'num', 'data-label': 'Per unit' },
        o.gainPerUnit == null ? '–' : o.gainPerUnit.toPrecision(2)))))));
}

// ---------------------------------------------------------------------------------------------------------------
// Indicator cards

function indicatorGroups() {
  const cat = state.catalogue;
  const groups = [];
  const placed = new Set();
  for (const dim of cat.dimensions || []) {
    const ids = (dim.indicators || []).filter((id) => state.indicators.has(id));
    ids.forEach((id) => placed.add(id));
    if (ids.length) groups.push({ id: dim.dimensionId, name: dim.name, ids });
  }
  const rest = (cat.indicators || []).map((i) => i.id).filter((id) => !placed.has(id));
  if (rest.length) groups.push({ id: 'unscored', name: 'Other indicators (not in the index)', ids: rest });
  return groups;
}

function buildCards() {
  disposeCharts();
  state.cards.clear();
  state.drills.clear();
  const container = $('[data-role="indicator-groups"]');
  container.replaceChildren(...indicatorGroups().map((group) => {
    const headingId = `group-${group.id}`;
    return el('section', { class: 'group', 'aria-labelledby': headingId, dataset: { group: group.id } },
      el('h3', { class: 'group__title', id: headingId }, group.name),
      el('div', { class: 'card-grid' }, ...group.ids.map((id) => buildCard(state.indicators.get(id)))));
  }));
}

function buildCard(def) {
  const higher = def.direction !== 'LOWER_IS_BETTER';
  const titleId = `card-${def.id.replace(/[^a-z0-9-]/gi, '-')}`;
  const value = el('span', { class: 'card__number', dataset: { role: 'value' } }, '…');
  const unit = el('span', { class: 'card__unit', dataset: { role: 'unit' } });
  const standing = el('span', { class: 'standing', dataset: { role: 'standing' } });
  const counts = el('p', { class: 'card__fine', dataset: { role: 'counts' } });
  const chart = el('div', { class: 'card__chart', dataset: { role: 'chart' }, role: 'img', 'aria-label': 'Loading the last 24 hours' });
  const chartNote = el('p', { class: 'card__fine card__chart-note', dataset: { role: 'chart-summary' } }, 'Loading the last 24 h…');
  const target = def.target != null
    ? `Target ${withUnitPlain(def.target, def.unit)} · floor ${withUnitPlain(def.floor, def.unit)}`
    : 'No target: not scored in the index';
  const drills = (def.scopes || []).filter((s) => s !== 'city').map((kind) => buildDrill(def, kind));
  const card = el('article', {
    class: 'card', 'aria-labelledby': titleId, dataset: { indicator: def.id, standing: 'none' },
  },
  el('header', { class: 'card__head' },
    el('h4', { class: 'card__title', id: titleId }, def.name || def.id),
    el('span', { class: `direction direction--${higher ? 'up' : 'down'}`, dataset: { role: 'direction' } },
      el('span', { class: 'direction__arrow', 'aria-hidden': 'true' }, higher ? '↑' : '↓'),
      higher ? 'Higher is better' : 'Lower is better')),
  el('p', { class: 'card__value' }, value, unit, standing),
  counts,
  el('p', { class: 'card__target', dataset: { role: 'target' } }, target),
  el('p', { class: 'card__standard', dataset: { role: 'standard' } },
    def.standard ? `Standard: ${def.standard}` : 'Standard: none cited'),
  el('figure', { class: 'card__figure' }, chart, el('figcaption', {}, chartNote)),
  el('div', { class: 'card__more' },
    el('details', { class: 'about' }, el('summary', {}, 'Definition'),
      el('p', { class: 'about__text' }, def.definition || 'No definition given.'),
      el('p', { class: 'about__id' }, el('code', {}, def.id))),
    ...drills));
  state.cards.set(def.id, { root: card, value, unit, standing, counts, chart, chartNote, def });
  return card;
}

function renderValue(id) {
  const card = state.cards.get(id);
  if (!card) return;
  const v = state.values.get(id);
  const text = v ? plain1(v.kpiValue) : null;
  const { def } = card;
  if (text == null) {
    setText(card.value, 'No data');
    card.root.classList.add('card--empty');
    card.unit.textContent = '';
    card.counts.textContent = v
      ? `No data in ${WINDOW_LONG[state.window] || state.window} (${fmtCount(v.sampleCount)} samples)`
      : `No value for ${WINDOW_LONG[state.window] || state.window}`;
  } else {
    setText(card.value, text);
    card.root.classList.remove('card--empty');
    card.unit.textContent = unitSuffix(v.unit || def.unit).trim();
    card.unit.hidden = !card.unit.textContent;
    card.counts.textContent = `${fmtCount(v.numerator)} / ${fmtCount(v.denominator)} · ${fmtCount(v.sampleCount)} samples`
      + ` · ${windowSpan(v)}`
      + `${v.final ? ' · final' : ''}${v.lateEventCount ? ` · ${fmtCount(v.lateEventCount)} late` : ''}`;
  }
  const standing = v && text != null ? v.currentStanding : null;
  card.root.dataset.standing = standing || 'none';
  card.standing.textContent = standing ? STANDING_LABELS[standing] || standing : (def.target == null ? 'Not scored' : '');
  card.standing.hidden = !card.standing.textContent;
  markChartDirty(id);
}

function renderAllValues() {
  for (const id of state.cards.keys()) renderValue(id);
}

// ---------------------------------------------------------------------------------------------------------------
// Charts

const dirtyCharts = new Set();
let chartTimer = null;
let resizeObserver = null;

function markChartDirty(id) {
  dirtyCharts.add(id);
  scheduleCharts();
}

function markAllChartsDirty() {
  for (const id of state.cards.keys()) dirtyCharts.add(id);
  scheduleCharts();
}

function scheduleCharts() {
  if (chartTimer) return;
  chartTimer = setTimeout(() => {
    chartTimer = null;
    const ids = Array.from(dirtyCharts);
    dirtyCharts.clear();
    ids.forEach(drawChart);
  }, 250);
}

function disposeCharts() {
  for (const chart of state.charts.values()) chart.dispose();
  state.charts.clear();
  if (resizeObserver) resizeObserver.disconnect();
}

function chartPoints(id) {
  const finals = state.history.get(id) || new Map();
  const byTo = new Map(finals);
  const live = state.live15.get(id);
  if (live) {
    const t = parseTime(live.to);
    if (t != null && !byTo.has(t)) byTo.set(t, live);
  }
  const from = state.dataTime == null ? -Infinity : state.dataTime - DAY_MS;
  return Array.from(byTo.entries())
    .filter(([t]) => t > from && (state.dataTime == null || t <= state.dataTime))
    .sort((a, b) => a[0] - b[0]);
}

function drawChart(id) {
  const card = state.cards.get(id);
  if (!card) return;
  const status = state.historyState.get(id);
  const points = chartPoints(id);
  const numeric = points.filter(([, v]) => v.kpiValue != null);
  const unit = card.def.unit;
  const name = card.def.name || id;
  if (status === 'error' && !numeric.length) {
    card.chartNote.textContent = 'The last 24 h could not be loaded.';
    card.chart.setAttribute('aria-label', `${name}: the last 24 hours could not be loaded`);
    card.chart.classList.add('card__chart--empty');
    return;
  }
  if (status === 'loading' && !numeric.length) return;
  const current = state.values.get(id);
  const currentText = current && current.kpiValue != null
    ? `current value ${plain1(current.kpiValue)}${unitSuffix(unit)}` : 'no current value';
  if (!numeric.length) {
    card.chartNote.textContent = 'No data in the last 24 h.';
    card.chart.setAttribute('aria-label', `${name}: no data in the last 24 hours; ${currentText}`);
    card.chart.classList.add('card__chart--empty');
    const chart = state.charts.get(id);
    if (chart) chart.clear();
    return;
  }
  card.chart.classList.remove('card__chart--empty');
  const values = numeric.map(([, v]) => v.kpiValue);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const [lastT, last] = numeric[numeric.length - 1];
  const summary = `Last 24 h: ${numeric.length} values from ${withUnit(min, unit)} to ${withUnit(max, unit)};`
    + ` newest ${withUnit(last.kpiValue, unit)} at ${timeFmt.format(new Date(lastT))}`;
  card.chartNote.textContent = status === 'error'
    ? 'The last 24 h could not be loaded; showing live values only.'
    : `24 h range ${withUnit(min, unit)} – ${withUnit(max, unit)}`;
  card.chart.setAttribute('aria-label', `${name}. ${summary}. ${currentText}${unitWords(unit) ? ` (${unitWords(unit)})` : ''}.`);

  if (!window.echarts) return;
  let chart = state.charts.get(id);
  if (!chart) {
    chart = window.echarts.init(card.chart, null, { renderer: 'canvas' });
    state.charts.set(id, chart);
    if (!resizeObserver) resizeObserver = new ResizeObserver(onChartResize);
    resizeObserver.observe(card.chart);
  }
  // A gap longer than one and a half windows is shown as a gap, not a straight line across missing data.
  const data = [];
  let prev = null;
  for (const [t, v] of points) {
    if (prev != null && t - prev > 1.5 * 15 * 60 * 1000) data.push([prev + 1, null]);
    data.push([t, v.kpiValue]);
    prev = t;
  }
  const colour = STANDING_COLOURS[(current && current.currentStanding) || 'none'] || STANDING_COLOURS.none;
  const to = state.dataTime ?? lastT;
  chart.setOption({
    animation: false,
    grid: { left: 4, right: 14, top: 10, bottom: 4, containLabel: true },
    tooltip: {
      trigger: 'axis',
      confine: true,
      className: 'chart-tooltip',
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        if (!p || p.value == null || p.value[1] == null) return '';
        return `${escapeText(timeFmt.format(new Date(p.value[0])))}: ${escapeText(withUnit(p.value[1], unit))}`;
      },
    },
    xAxis: {
      type: 'time',
      min: to - DAY_MS,
      max: to,
      splitNumber: 4,
      axisLine: { lineStyle: { color: '#aab4c0' } },
      axisTick: { show: false },
      axisLabel: { color: '#566272', fontSize: 10, hideOverlap: true, formatter: (t) => hourFmt.format(new Date(t)) },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: true,
      splitNumber: 2,
      axisLabel: { color: '#566272', fontSize: 10, formatter: (v) => nfMax1.format(v) },
      splitLine: { lineStyle: { color: '#e6eaef' } },
    },
    series: [{
      type: 'line',
      data,
      showSymbol: false,
      connectNulls: false,
      lineStyle: { width: 1.8, color: colour },
      itemStyle: { color: colour },
      areaStyle: { color: colour, opacity: 0.08 },
      markPoint: undefined,
    }],
  }, { notMerge: true });
}

function escapeText(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function onChartResize(entries) {
  for (const entry of entries) {
    const card = entry.target.closest('[data-indicator]');
    const chart = card && state.charts.get(card.dataset.indicator);
    if (chart) chart.resize();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Drill-down by route / district / service

function buildDrill(def, kind) {
  const body = el('div', { class: 'drill__body' });
  const details = el('details', { class: 'drill', dataset: { scopeKind: kind } },
    el('summary', {}, `By ${SCOPE_LABELS[kind] || kind}`), body);
  const key = `${def.id}|${kind}`;
  const higher = def.direction !== 'LOWER_IS_BETTER';
  // Worst first: what a mobility centre or a service desk looks at first.
  const drill = { def, kind, details, body, rows: new Map(), sort: { key: 'value', asc: higher }, loaded: false };
  state.drills.set(key, drill);
  details.addEventListener('toggle', () => {
    if (details.open) loadDrill(drill);
  });
  return details;
}

async function loadDrill(drill) {
  const gen = state.generation;
  drill.body.replaceChildren(el('p', { class: 'drill__status' }, 'Loading…'));
  try {
    const res = await api('api/v1/indicators', {
      city: state.city, indicator: drill.def.id, window: state.window, scope: `${drill.kind}:*`,
    });
    if (gen !== state.generation) return;
    drill.rows = new Map((res.values || []).map((v) => [v.scope, v]));
    drill.loaded = true;
    renderDrill(drill);
  } catch (err) {
    if (gen !== state.generation) return;
    const retry = el('button', { type: 'button', class: 'button button--small' }, 'Try again');
    retry.addEventListener('click', () => loadDrill(drill));
    drill.body.replaceChildren(el('p', { class: 'drill__status drill__status--error' },
      `Could not load the values by ${drill.kind}: ${err.message} `, retry));
  }
}

function scopeLabel(v) {
  const id = v.scope.slice(v.scope.indexOf(':') + 1);
  return v.area || id;
}

function renderDrill(drill) {
  const { def, kind } = drill;
  const rows = Array.from(drill.rows.values());
  if (!rows.length) {
    drill.body.replaceChildren(el('p', { class: 'drill__status' },
      `No values by ${kind} for ${WINDOW_LONG[state.window] || state.window}.`));
    return;
  }
  const { key, asc } = drill.sort;
  const dir = asc ? 1 : -1;
  rows.sort((a, b) => {
    if (key === 'name') return dir * scopeLabel(a).localeCompare(scopeLabel(b), undefined, { numeric: true });
    const av = key === 'value' ? a.kpiValue : a.sampleCount;
    const bv = key === 'value' ? b.kpiValue : b.sampleCount;
    if (av == null && bv == null) return scopeLabel(a).localeCompare(scopeLabel(b));
    if (av == null) return 1; // no data last, whichever the order
    if (bv == null) return -1;
    return dir * (av - bv);
  });
  const numeric = rows.map((r) => r.kpiValue).filter((v) => v != null);
  const top = def.unit === '%' ? 100 : Math.max(...numeric, 0) || 1;
  const header = (label, sortKey, cls) => {
    const active = drill.sort.key === sortKey;
    const button = el('button', { type: 'button', class: 'sort' }, label,
      el('span', { class: 'sort__icon', 'aria-hidden': 'true' }, active ? (drill.sort.asc ? '▲' : '▼') : '↕'));
    button.addEventListener('click', () => {
      drill.sort = { key: sortKey, asc: active ? !drill.sort.asc : sortKey === 'name' };
      renderDrill(drill);
    });
    return el('th', { scope: 'col', class: cls, 'aria-sort': active ? (drill.sort.asc ? 'ascending' : 'descending') : 'none' }, button);
  };
  const table = el('table', { class: 'drill__table', dataset: { scopeKind: kind } },
    el('caption', { class: 'visually-hidden' },
      `${def.name} by ${kind}, ${WINDOW_LONG[state.window] || state.window}; column headers sort the table`),
    el('thead', {}, el('tr', {},
      header(cityName(kind), 'name', ''),
      header('Value', 'value', 'num'),
      header('Samples', 'samples', 'num'))),
    el('tbody', {}, ...rows.map((v) => {
      const width = v.kpiValue == null ? 0 : Math.max(0, Math.min(100, (v.kpiValue / top) * 100));
      const fill = el('span', { class: 'minibar__fill', dataset: { standing: v.currentStanding || 'none' } });
      fill.style.width = `${width}%`;
      return el('tr', { dataset: { scope: v.scope } },
        el('th', { scope: 'row' }, scopeLabel(v)),
        el('td', { class: 'num' },
          el('span', { class: 'minibar', 'aria-hidden': 'true' }, fill),
          el('span', { dataset: { role: 'scope-value' } }, v.kpiValue == null ? 'No data' : plain1(v.kpiValue)),
          v.kpiValue == null ? '' : el('span', { class: 'drill__unit' }, unitSuffix(def.unit).trim())),
        el('td', { class: 'num' }, fmtCount(v.sampleCount)));
    })));
  drill.body.replaceChildren(el('div', { class: 'drill__scroll' }, table));
}

const drillRedraw = new Set();
let drillTimer = null;

function onScopeValue(v) {
  const kind = v.scope.slice(0, v.scope.indexOf(':'));
  const drill = state.drills.get(`${v.indicatorId}|${kind}`);
  if (!drill || !drill.loaded || !drill.details.open || v.window !== state.window) return;
  drill.rows.set(v.scope, v);
  drillRedraw.add(drill);
  if (!drillTimer) {
    drillTimer = setTimeout(() => {
      drillTimer = null;
      drillRedraw.forEach(renderDrill);
      drillRedraw.clear();
    }, 1000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Window picker

function buildWindowPicker() {
  const windows = (state.catalogue.windows && state.catalogue.windows.length)
    ? state.catalogue.windows : Object.keys(WINDOW_LABELS);
  if (!windows.includes(state.window)) state.window = windows.includes(DEFAULT_WINDOW) ? DEFAULT_WINDOW : windows[0];
  $('[data-role="window-picker"]').hidden = false;
  const box = $('.window-picker__options');
  box.replaceChildren(...windows.map((w) => {
    const id = `window-${w.replace(/[^a-z0-9]/gi, '-')}`;
    const input = el('input', { type: 'radio', name: 'window', id, value: w, checked: w === state.window });
    input.addEventListener('change', () => {
      if (input.checked) {
        state.window = w;
        writeHash();
        reloadWindow();
      }
    });
    return el('span', { class: 'segment' }, input,
      el('label', { for: id, title: w }, WINDOW_LABELS[w] || w));
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

async function loadValues(city, window) {
  const res = await api('api/v1/indicators', { city, scope: 'city', window });
  return new Map((res.values || []).filter((v) => v.scope === 'city').map((v) => [v.indicatorId, v]));
}

async function loadCurrent(gen) {
  const tasks = [
    api(`api/v1/maturity/${encodeURIComponent(state.city)}`).then((m) => {
      if (gen !== state.generation) return;
      state.maturity = m;
      noteDataTime(m);
      renderMaturity();
      clearNotice('maturity');
    }).catch((err) => {
      if (gen !== state.generation) return;
      if (err.status === 404) {
        state.maturity = null;
        renderMaturity();
        return;
      }
      notice('maturity', `The maturity score could not be loaded: ${err.message}`, { retry: () => loadCurrent(state.generation) });
      $('[data-role="maturity-meta"]').textContent = 'Not available.';
    }),
    loadValues(state.city, state.window).then((values) => {
      if (gen !== state.generation) return;
      state.values = values;
      values.forEach(noteDataTime);
      renderAllValues();
      clearNotice('values');
    }).catch((err) => {
      if (gen !== state.generation) return;
      for (const card of state.cards.values()) setText(card.value, 'Unavailable');
      notice('values', `The indicator values could not be loaded: ${err.message}`, { retry: () => loadCurrent(state.generation) });
    }),
    loadValues(state.city, HISTORY_WINDOW).then((values) => {
      if (gen !== state.generation) return;
      state.live15 = new Map(Array.from(values).filter(([, v]) => !v.final));
      values.forEach(noteDataTime);
      markAllChartsDirty();
    }).catch(() => { /* the charts still come from the history */ }),
  ];
  await Promise.all(tasks);
}

async function loadHistories(gen) {
  if (state.dataTime == null) {
    for (const id of state.cards.keys()) {
      state.historyState.set(id, 'ready');
      markChartDirty(id);
    }
    return;
  }
  const to = new Date(state.dataTime);
  const from = new Date(state.dataTime - DAY_MS);
  const ids = Array.from(state.cards.keys());
  ids.forEach((id) => state.historyState.set(id, 'loading'));
  let failed = 0;
  await pool(ids, 6, async (id) => {
    try {
      const res = await api(`api/v1/indicators/${encodeURIComponent(state.city)}/${encodeURIComponent(id)}/history`, {
        window: HISTORY_WINDOW, from: from.toISOString(), to: to.toISOString(),
      });
      if (gen !== state.generation) return;
      const finals = state.history.get(id) || new Map();
      for (const v of res.values || []) {
        const t = parseTime(v.to);
        if (t != null) finals.set(t, v);
      }
      state.history.set(id, finals);
      state.historyState.set(id, 'ready');
    } catch (err) {
      if (gen !== state.generation) return;
      failed += 1;
      state.historyState.set(id, 'error');
    }
    markChartDirty(id);
  });
  if (gen === state.generation && failed) {
    notice('history', `The 24 h history of ${failed} indicator${failed > 1 ? 's' : ''} could not be loaded.`,
      { retry: () => loadHistories(state.generation) });
  } else if (gen === state.generation) {
    clearNotice('history');
  }
}

async function loadCity(city) {
  state.generation += 1;
  const gen = state.generation;
  state.city = city;
  writeHash();
  closeStream();
  resetDataTime();
  state.values = new Map();
  state.history = new Map();
  state.live15 = new Map();
  state.historyState = new Map();
  state.maturity = null;
  state.nextSteps = null;
  clearTimeout(nextStepsTimer);
  nextStepsTimer = null;
  ['values', 'maturity', 'history', 'next-steps'].forEach(clearNotice);
  $('[data-role="next-steps-summary"]').textContent = 'Loading…';
  $('[data-role="next-steps-list"]').replaceChildren();
  document.title = `${cityName(city)}: digital maturity · Civic Pulse`;
  $('[data-role="city-name"]').textContent = cityName(city);
  $('[data-role="city-select"]').value = city;
  $('[data-role="report-link"]').setAttribute('href', `report.html?city=${encodeURIComponent(city)}`);
  $$('[data-role="dimensions"] [data-dimension]').forEach((n) => n.remove());
  $('[data-role="index-score"]').textContent = '…';
  $('[data-role="index-score"]').dataset.filled = '';
  $('[data-role="level"]').textContent = '…';
  buildCards();
  loadNextSteps(gen);
  await loadCurrent(gen);
  if (gen !== state.generation) return;
  openStream();
  loadCompare(gen);
  await loadHistories(gen);
}

async function reloadWindow() {
  state.generation += 1;
  const gen = state.generation;
  clearNotice('values');
  try {
    const values = await loadValues(state.city, state.window);
    if (gen !== state.generation) return;
    state.values = values;
    values.forEach(noteDataTime);
    renderAllValues();
  } catch (err) {
    if (gen !== state.generation) return;
    notice('values', `The indicator values could not be loaded: ${err.message}`, { retry: reloadWindow });
  }
  for (const drill of state.drills.values()) {
    drill.loaded = false;
    if (drill.details.open) loadDrill(drill);
  }
  loadCompare(gen);
}

// ---------------------------------------------------------------------------------------------------------------
// Cities side by side

let compareTimer = null;

async function loadCompare(gen) {
  const section = $('[data-section="compare"]');
  if (state.cities.length < 2) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const others = state.cities.map((c) => c.city);
  await Promise.all(others.map(async (city) => {
    try {
      if (city === state.city) return;
      const [maturity, values] = await Promise.all([
        api(`api/v1/maturity/${encodeURIComponent(city)}`).catch((err) => {
          if (err.status === 404) return null;
          throw err;
        }),
        loadValues(city, state.window),
      ]);
      if (gen !== state.generation) return;
      state.compare.set(city, { maturity, values, error: null });
    } catch (err) {
      if (gen !== state.generation) return;
      state.compare.set(city, { maturity: null, values: new Map(), error: err.message });
    }
  }));
  if (gen !== state.generation) return;
  renderCompare();
  clearTimeout(compareTimer);
  compareTimer = setTimeout(() => {
    if (gen === state.generation) loadCompare(gen);
  }, 60000);
}

let compareRenderTimer = null;

function scheduleCompare() {
  if (compareRenderTimer || state.cities.length < 2) return;
  compareRenderTimer = setTimeout(() => {
    compareRenderTimer = null;
    renderCompare();
  }, 1500);
}

function renderCompare() {
  const cities = state.cities.map((c) => c.city);
  const data = (city) => (city === state.city
    ? { maturity: state.maturity, values: state.values, error: null }
    : state.compare.get(city) || { maturity: null, values: new Map(), error: 'loading' });
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Measure'),
    ...cities.map((c) => el('th', {
      scope: 'col', class: `num${c === state.city ? ' is-selected' : ''}`, dataset: { city: c },
    }, cityName(c))));
  const rows = [];
  const section = (label) => rows.push(el('tr', { class: 'compare__section' },
    el('th', { scope: 'rowgroup', colspan: String(cities.length + 1) }, label)));
  const row = (label, key, cell) => rows.push(el('tr', { dataset: { row: key } },
    el('th', { scope: 'row' }, label),
    ...cities.map((c) => {
      const d = data(c);
      const text = d.error && d.error !== 'loading' ? 'Unavailable' : cell(d);
      return el('td', { class: `num${c === state.city ? ' is-selected' : ''}`, dataset: { city: c } }, text);
    })));
  section('Maturity');
  row('Index (0–100)', 'index', (d) => (d.maturity && d.maturity.indexScore != null ? fmt1(d.maturity.indexScore) : 'No data'));
  row('Level (1–5)', 'level', (d) => (d.maturity && d.maturity.level != null ? String(d.maturity.level) : 'No data'));
  const dims = (state.catalogue.dimensions || []);
  for (const dim of dims) {
    row(dim.name, `dimension:${dim.dimensionId}`, (d) => {
      const found = d.maturity && (d.maturity.dimensions || []).find((x) => x.dimensionId === dim.dimensionId);
      return found && found.score != null ? fmt1(found.score) : 'No data';
    });
  }
  section(`Indicators (${WINDOW_LONG[state.window] || state.window})`);
  for (const group of indicatorGroups()) {
    for (const id of group.ids) {
      const def = state.indicators.get(id);
      row(def.name || id, `indicator:${id}`, (d) => {
        const v = d.values.get(id);
        return v && v.kpiValue != null ? withUnit(v.kpiValue, def.unit) : 'No data';
      });
    }
  }
  const table = el('table', { class: 'compare__table' },
    el('caption', { class: 'visually-hidden' }, 'Maturity and indicator values of every city, side by side'),
    el('thead', {}, head), el('tbody', {}, ...rows));
  $('[data-role="compare"]').replaceChildren(table);
  $('[data-role="compare-meta"]').textContent = `${cities.length} cities · maturity over 24 h, indicators over ${WINDOW_LONG[state.window] || state.window}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Live stream

function closeStream() {
  clearTimeout(state.streamTimer);
  if (state.stream) {
    state.stream.close();
    state.stream = null;
  }
}

function openStream() {
  closeStream();
  const gen = state.generation;
  const url = new URL('api/v1/stream', document.baseURI);
  url.searchParams.set('city', state.city);
  const token = sessionStorage.getItem(TOKEN_KEY);
  // EventSource cannot send headers: the server takes the read token as a query parameter on the stream.
  if (token) url.searchParams.set('access_token', token);
  setConnection('connecting', 'Connecting');
  let es;
  try {
    es = new EventSource(url);
  } catch (err) {
    setConnection('down', 'Live updates off');
    return;
  }
  state.stream = es;
  es.addEventListener('open', () => {
    state.streamRetry = 0;
    setConnection('live', 'Live');
    if (state.streamHadError) {
      state.streamHadError = false;
      resync(gen); // pick up what happened while the connection was down
    }
  });
  es.addEventListener('error', () => {
    if (state.stream !== es) return;
    state.streamHadError = true;
    setConnection('reconnecting', 'Reconnecting');
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error such as 401 or 503): check the API, which asks for a token or waits
      // for Retry-After, then open the stream again with growing pauses.
      es.close();
      state.stream = null;
      const delay = Math.min(30000, 1000 * 2 ** state.streamRetry);
      state.streamRetry += 1;
      state.streamTimer = setTimeout(async () => {
        if (gen !== state.generation) return;
        try {
          await api('api/v1/cities');
        } catch (err) { /* the stream retries anyway */ }
        if (gen === state.generation) openStream();
      }, delay);
    }
  });
  es.addEventListener('indicator', (event) => {
    const v = parseEvent(event);
    if (v && v.city === state.city) onIndicator(v);
  });
  es.addEventListener('maturity', (event) => {
    const m = parseEvent(event);
    if (m && m.city === state.city) onMaturity(m);
  });
}

function parseEvent(event) {
  try {
    return JSON.parse(event.data);
  } catch (err) {
    return null;
  }
}

async function resync(gen) {
  try {
    const [values, values15, maturity] = await Promise.all([
      loadValues(state.city, state.window),
      loadValues(state.city, HISTORY_WINDOW),
      api(`api/v1/maturity/${encodeURIComponent(state.city)}`),
    ]);
    if (gen !== state.generation) return;
    values.forEach(noteDataTime);
    state.values = values;
    renderAllValues();
    values15.forEach((v) => onHistoryValue(v));
    onMaturity(maturity);
  } catch (err) { /* the next events bring the values */ }
}

function onIndicator(v) {
  noteDataTime(v);
  if (v.scope !== 'city') {
    onScopeValue(v);
    return;
  }
  if (v.window === state.window) {
    const old = state.values.get(v.indicatorId);
    // An older window's late final must not replace a newer live value.
    if (!old || (parseTime(v.to) ?? 0) >= (parseTime(old.to) ?? 0)) {
      state.values.set(v.indicatorId, v);
      renderValue(v.indicatorId);
      scheduleCompare();
    }
  }
  if (v.window === HISTORY_WINDOW) onHistoryValue(v);
}

function onHistoryValue(v) {
  const id = v.indicatorId;
  const t = parseTime(v.to);
  if (t == null) return;
  if (v.final) {
    if (!state.history.has(id)) state.history.set(id, new Map());
    state.history.get(id).set(t, v);
    const live = state.live15.get(id);
    if (live && parseTime(live.to) <= t) state.live15.delete(id);
  } else {
    const live = state.live15.get(id);
    if (!live || parseTime(live.to) <= t) state.live15.set(id, v);
  }
  // Keep one day: drop what has left the chart.
  const finals = state.history.get(id);
  if (finals && state.dataTime != null) {
    for (const key of finals.keys()) if (key <= state.dataTime - DAY_MS) finals.delete(key);
  }
  markChartDirty(id);
}

function onMaturity(m) {
  const scored = state.catalogue.scoredWindow || 'PT24H';
  if (m.window !== scored) return;
  if (state.maturity && (parseTime(m.to) ?? 0) < (parseTime(state.maturity.to) ?? 0)) return;
  noteDataTime(m);
  state.maturity = m;
  renderMaturity();
  scheduleCompare();
  scheduleNextSteps();
}

// ---------------------------------------------------------------------------------------------------------------
// Start

async function start() {
  const select = $('[data-role="city-select"]');
  let catalogue;
  let cities;
  try {
    [catalogue, cities] = await Promise.all([api('api/v1/catalogue'), api('api/v1/cities')]);
  } catch (err) {
    setConnection('down', 'Offline');
    select.replaceChildren(el('option', { value: '' }, 'Unavailable'));
    notice('start', `Civic Pulse could not load its data: ${err.message}`, { retry: start });
    $('[data-role="indicator-groups"]').replaceChildren(
      el('p', { class: 'panel__empty' }, 'No data could be loaded. The message above says why.'));
    return;
  }
  clearNotice('start');
  state.catalogue = catalogue;
  state.indicators = new Map((catalogue.indicators || []).map((i) => [i.id, i]));
  state.cities = (cities.cities || []).filter((c) => c && c.city);
  $('[data-role="versions"]').textContent = `Indicator catalogue ${catalogue.catalogueVersion || '?'}`
    + ` · maturity configuration ${catalogue.configVersion || '?'}`
    + ` · index scored over ${WINDOW_LONG[catalogue.scoredWindow] || catalogue.scoredWindow || '24 hours'}`;
  const hash = readHash();
  if (hash.window) state.window = hash.window;
  buildWindowPicker();
  if (!state.cities.length) {
    select.replaceChildren(el('option', { value: '' }, 'No cities yet'));
    setConnection('down', 'No data');
    notice('start', 'No city has data yet. The page loads it once the pipeline has produced values.',
      { kind: 'info', retry: start });
    $('[data-role="indicator-groups"]').replaceChildren(el('p', { class: 'panel__empty' }, 'No city has data yet.'));
    return;
  }
  select.replaceChildren(...state.cities.map((c) => el('option', { value: c.city }, cityName(c.city))));
  select.disabled = false;
  const wanted = state.cities.some((c) => c.city === hash.city) ? hash.city : state.cities[0].city;
  await loadCity(wanted);
}

function wire() {
  const select = $('[data-role="city-select"]');
  select.addEventListener('change', () => {
    if (select.value && select.value !== state.city) loadCity(select.value);
  });
  window.addEventListener('hashchange', () => {
    const hash = readHash();
    if (!state.catalogue) return;
    if (hash.city && hash.city !== state.city && state.cities.some((c) => c.city === hash.city)) loadCity(hash.city);
    else if (hash.window && hash.window !== state.window && (state.catalogue.windows || []).includes(hash.window)) {
      state.window = hash.window;
      const radio = $(`input[name="window"][value="${CSS.escape(hash.window)}"]`);
      if (radio) radio.checked = true;
      reloadWindow();
    }
  });
  const dialog = $('[data-role="token-dialog"]');
  dialog.addEventListener('cancel', () => {
    dialog.returnValue = '';
  });
}

wire();
start();
