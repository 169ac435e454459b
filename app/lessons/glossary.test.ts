/**
 * The glossary's data: unique names, valid cross-references, plain text of the promised length,
 * and enough of it actually used by the shipped lessons' narration to be worth linking.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GLOSSARY, type GlossaryEntry } from './glossary';

const TOPICS = ['GICv3', 'ITS', 'KVM', 'GICv4'];
const names = (e: GlossaryEntry): string[] => [e.term, ...(e.aliases ?? [])];
const texts = (e: GlossaryEntry): [string, string][] => [
  ['term', e.term],
  ...(e.aliases ?? []).map((a): [string, string] => ['alias', a]),
  ['short', e.short],
  ['more', e.more],
  ['source', e.source ?? ''],
];

/** Sentence ends: a full stop, question or exclamation mark followed by white space or the end. */
const sentences = (s: string): number => s.trim().match(/[.!?](?=\s|$)/g)?.length ?? 0;

describe('GLOSSARY entries', () => {
  it('has terms that are unique, ignoring case', () => {
    const seen = new Map<string, string>();
    for (const e of GLOSSARY) {
      const k = e.term.toLowerCase();
      expect(seen.has(k), `${e.term} duplicates ${seen.get(k)}`).toBe(false);
      seen.set(k, e.term);
    }
  });

  it('has no alias equal to another entry’s term or alias, ignoring case', () => {
    const owner = new Map<string, string>();
    for (const e of GLOSSARY)
      for (const n of new Set(names(e).map((x) => x.toLowerCase()))) {
        const prev = owner.get(n);
        expect(prev === undefined, `"${n}" is claimed by ${prev} and ${e.term}`).toBe(true);
        owner.set(n, e.term);
      }
  });

  it('has names of two characters or more, without surrounding spaces', () => {
    for (const e of GLOSSARY)
      for (const n of names(e)) {
        expect(n.length, `${e.term}: "${n}"`).toBeGreaterThanOrEqual(2);
        expect(n, `${e.term}: "${n}"`).toBe(n.trim());
      }
  });

  it('names only existing entries, other than itself, in `see`', () => {
    const terms = new Set(GLOSSARY.map((e) => e.term));
    for (const e of GLOSSARY) {
      for (const t of e.see ?? []) {
        expect(terms.has(t), `${e.term} sees unknown "${t}"`).toBe(true);
        expect(t, `${e.term} sees itself`).not.toBe(e.term);
      }
      expect(new Set(e.see).size, `${e.term}: duplicate see`).toBe((e.see ?? []).length);
    }
  });

  it('is plain text: no HTML, no Markdown emphasis, code or links', () => {
    for (const e of GLOSSARY)
      for (const [field, s] of texts(e)) {
        const where = `${e.term}.${field}: ${s}`;
        expect(s, where).not.toMatch(/[<>]/);
        expect(s, where).not.toMatch(/\]\(|\[[^\]]*\]\[|https?:\/\/\S*\)/);
        expect(s, where).not.toMatch(/\*\*|__|`/);
        expect(s, where).not.toMatch(/^\s*(#|[-*+] |\d+\. )/m);
      }
  });

  it('has a topic for every entry', () => {
    for (const e of GLOSSARY) expect(TOPICS, e.term).toContain(e.topic);
  });

  it('keeps `short` to one sentence and `more` to two to four', () => {
    for (const e of GLOSSARY) {
      expect(sentences(e.short), `${e.term}.short: ${e.short}`).toBe(1);
      expect(e.short.trim(), e.term).toMatch(/[.!?]$/);
      const n = sentences(e.more);
      expect(n >= 2 && n <= 4, `${e.term}.more has ${n} sentences: ${e.more}`).toBe(true);
      expect(e.more.trim(), e.term).toMatch(/[.!?]$/);
    }
  });

  it('covers the terms the lessons are built on', () => {
    const all = new Set(GLOSSARY.flatMap((e) => names(e).map((n) => n.toLowerCase())));
    const required = [
      'INTID',
      'SGI',
      'PPI',
      'SPI',
      'LPI',
      'PE',
      'affinity',
      'distributor',
      'redistributor',
      'CPU interface',
      'Group 1',
      'priority',
      'running priority',
      'PMR',
      'binary point',
      'acknowledge',
      'IAR',
      'EOI',
      'priority drop',
      'deactivate',
      'EOImode',
      'active state',
      'pending state',
      'level-sensitive',
      'edge-triggered',
      'IROUTER',
      'affinity routing',
      'ITS',
      'MSI',
      'GITS_TRANSLATER',
      'DeviceID',
      'Requester ID',
      'EventID',
      'collection',
      'ICID',
      'device table',
      'DTE',
      'ITT',
      'ITE',
      'collection table',
      'CTE',
      'GITS_BASER',
      'command queue',
      'GITS_CWRITER',
      'GITS_CREADR',
      'MAPD',
      'MAPC',
      'MAPTI',
      'MAPI',
      'MOVI',
      'MOVALL',
      'DISCARD',
      'INV',
      'INVALL',
      'SYNC',
      'INT',
      'CLEAR',
      'property table',
      'GICR_PROPBASER',
      'pending table',
      'GICR_PENDBASER',
      'two-level table',
      'GICv2m',
      'vGIC',
      'vCPU',
      'ap_list',
      'list register',
      'maintenance interrupt',
      'underflow',
      'vITS',
      'translation cache',
      'KVM_IRQ_LINE',
      'KVM_SIGNAL_MSI',
      'GSI routing',
      'irqfd',
      'eventfd',
      'VFIO',
      'irq bypass',
      'vLPI',
      'vPE',
      'vPEID',
      'vPE table',
      'VPT',
      'VPENDBASER',
      'residency',
      'doorbell',
      'VMAPP',
      'VMAPTI',
      'VMOVP',
      'VMOVI',
      'VSYNC',
      'VINVALL',
      'INVDB',
      'GICv4.1',
      'vSGI',
      'DirectLPI',
      'pending_last',
    ];
    for (const t of required) expect(all.has(t.toLowerCase()), t).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The glossary serves the lessons: its names occur in the shipped narration.
// ---------------------------------------------------------------------------------------------

const SCENARIOS = new URL('../../public/scenarios/', import.meta.url);

/** Every .json file under public/scenarios/track* (any depth), as URLs. */
function trackFiles(): URL[] {
  const out: URL[] = [];
  const walk = (dir: URL): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) walk(new URL(`${d.name}/`, dir));
      else if (d.name.endsWith('.json')) out.push(new URL(d.name, dir));
    }
  };
  for (const d of readdirSync(SCENARIOS, { withFileTypes: true }))
    if (d.isDirectory() && d.name.startsWith('track')) walk(new URL(`${d.name}/`, SCENARIOS));
  return out;
}

/** The narration of every step of every lesson, without code (the page links no term in code). */
function shippedNarration(): string[] {
  const out: string[] = [];
  for (const file of trackFiles()) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      format?: unknown;
      steps?: { narration?: unknown }[];
    };
    if (doc.format !== 'giclab-scenario/1') continue;
    for (const step of doc.steps ?? [])
      if (typeof step.narration === 'string')
        out.push(step.narration.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' '));
  }
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whole-word matching as the page does it (term-links.ts): an all-capitals name matches only in
 * capitals, any other name in any case, and a word is bounded by anything but a letter, digit or
 * underscore.
 */
const occurs = (name: string, text: string): boolean =>
  new RegExp(`(?<!\\w)${escapeRe(name)}(?!\\w)`, name === name.toUpperCase() ? '' : 'i').test(text);

describe('the glossary and the shipped lessons', () => {
  const narration = shippedNarration();

  it('finds the lessons’ narration', () => {
    expect(narration.length).toBeGreaterThan(50);
  });

  it('defines at least 30 terms that the narration uses', () => {
    const text = narration.join('\n\n');
    const used = GLOSSARY.filter((e) => names(e).some((n) => occurs(n, text))).map((e) => e.term);
    expect(used.length, `used: ${used.join(', ')}`).toBeGreaterThanOrEqual(30);
  });
});
