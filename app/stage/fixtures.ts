/** Machines of any shape for the stage's tests: `devices` endpoints spread over `its` ITSs. */

import type { MachineShape } from '../worker/api';

export function machine(devices: number, cpus: number, its = 1): MachineShape {
  return {
    profile: 'spec',
    cpus: Array.from({ length: cpus }, (_, i) => `0.0.${i >> 4}.${i & 15}`),
    its: Array.from({ length: its }, (_, i) => ({ index: i, base: 0x0808_0000 + i * 0x2_0000 })),
    devices: Array.from({ length: devices }, (_, i) => ({
      name: `dev${i}`,
      rid: i * 8,
      devid: i * 8,
      its: its ? i % its : 0,
    })),
    spis: 256,
    itsCommands: ['MAPD', 'MAPC', 'MAPTI', 'INT', 'SYNC'],
  };
}
