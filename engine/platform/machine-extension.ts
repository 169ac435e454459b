/**
 * How a layer above the platform adds itself to the machine without the platform depending on it
 * (ARCHITECTURE.md §1: a layer imports only layers below it). engine/kvm runs VMs on the host: it
 * needs its own part of the machine description and state, its own tasks and inputs, and to hear
 * when the host's software takes an interrupt. It registers one MachineExtension when its module
 * loads (engine/kvm/kvm-extension.ts), and augments the platform's types with its fields:
 *
 *   declare module '../platform/platform-machine' { interface MachineState { kvm?: KvmState } }
 *
 * Inputs are extended the same way: `Input` is the platform's inputs plus every member of the
 * InputExtensions interface, which a higher layer augments (`interface InputExtensions { kvm:
 * KvmInput }`). Extensions are few and registered once; the order of registration is the order
 * they are asked.
 */

import type { Handler } from '../sim/kernel';
import type { MachineOptions, ResolvedMachine } from './machine-config';
import type { MachineState, PlatformMachine } from './platform-machine';

/** Inputs a higher layer adds: each member's type joins the Input union (see inputs.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InputExtensions {}

/** An input of an extension, as the platform sees it: a kind it does not know. */
export type ExtensionInput = InputExtensions[keyof InputExtensions];

export interface MachineExtension {
  name: string;
  /** Task handlers, by task kind (they run on the host machine). */
  handlers: Readonly<Record<string, Handler<PlatformMachine, never>>>;
  /** The input kinds this extension applies. */
  inputKinds: readonly string[];
  /** Resolves the extension's part of a machine description into `r`, appending problems. */
  resolve?(o: MachineOptions, r: ResolvedMachine, problems: string[]): void;
  /** Adds the extension's state to a new machine's (and queues its first tasks). */
  init?(r: ResolvedMachine, s: MachineState): void;
  /** Copies the extension's state from `from` into `to` (a snapshot for the history). */
  clone?(from: MachineState, to: MachineState): void;
  /** What cloning its state costs, in the units of machine.ts stateWeight. */
  weigh?(s: MachineState): number;
  /** Adds its state to a snapshot's canonical form, and repairs it after decoding. */
  serialise?(s: MachineState, canonical: Record<string, unknown>): void;
  deserialised?(s: MachineState): void;
  /** Why an input of its kinds cannot be applied, or undefined. */
  inputProblem?(m: PlatformMachine, i: ExtensionInput): string | undefined;
  /** Applies an input of its kinds: exactly one event. */
  applyInput?(m: PlatformMachine, i: ExtensionInput): void;
  /**
   * The host's software is about to take a physical interrupt on `cpu`: after emitting an event of
   * its own first, return the delay after which the take is tried again; otherwise undefined.
   */
  beforeTake?(m: PlatformMachine, cpu: number, intid: number): number | undefined;
  /**
   * The host's software acknowledged `intid` on `cpu`. Return true if the extension's handler for
   * it ends the interrupt itself (it then runs the 'sw.eoi' task for it when its handler is done).
   */
  afterAck?(m: PlatformMachine, cpu: number, intid: number): boolean;
  /** The host's software on `cpu` returned from its last interrupt. */
  afterEret?(m: PlatformMachine, cpu: number): void;
}

const EXTENSIONS: MachineExtension[] = [];

/** Registers an extension (once per name; a second registration of the same name is ignored). */
export function registerMachineExtension(e: MachineExtension): void {
  if (!EXTENSIONS.some((x) => x.name === e.name)) EXTENSIONS.push(e);
}

export const machineExtensions = (): readonly MachineExtension[] => EXTENSIONS;

/** The extension that applies inputs of `kind`, if any. */
export const extensionForInput = (kind: string): MachineExtension | undefined =>
  EXTENSIONS.find((e) => e.inputKinds.includes(kind));
