/**
 * The inspectors under the stage: one tab per view of the machine (the narrated event log and its
 * transcript as prose, the
 * ITS, the redistributors, the CPU interfaces, the vCPUs of a machine that runs VMs, the
 * registers, memory), the sandbox console, and for a session replayed from a QEMU trace its
 * agreement report.
 * Every tab shows the machine at the position the stage shows, and highlights what the current
 * event touched; only the open tab asks the worker for anything.
 */

import { CpuInspector } from '../inspectors/CpuInspector';
import { ItsInspector } from '../inspectors/ItsInspector';
import { MemoryInspector } from '../inspectors/MemoryInspector';
import { RedistributorInspector } from '../inspectors/RedistributorInspector';
import { RegisterInspector } from '../inspectors/RegisterInspector';
import { V4Inspector } from '../inspectors/V4Inspector';
import { VcpuInspector } from '../inspectors/VcpuInspector';
import { SandboxConsole } from '../sandbox/SandboxConsole';
import { appStore, useApp } from '../store';
import { TABS, type InspectorTab } from '../store/views-slice';
import { EventLog } from './EventLog';
import { TracePanel } from './TracePanel';
import { Transcript } from './Transcript';

function Body({ tab }: { tab: InspectorTab }) {
  switch (tab) {
    case 'events':
      return <EventLog />;
    case 'transcript':
      return <Transcript />;
    case 'its':
      return <ItsInspector />;
    case 'redistributors':
      return <RedistributorInspector />;
    case 'cpus':
      return <CpuInspector />;
    case 'vcpus':
      return <VcpuInspector />;
    case 'vpes':
      return <V4Inspector />;
    case 'registers':
      return <RegisterInspector />;
    case 'memory':
      return <MemoryInspector />;
    case 'console':
      return <SandboxConsole />;
    case 'trace':
      return <TracePanel />;
  }
}

export function Inspectors() {
  const tab = useApp((s) => s.tab);
  // The vCPU tab is there only for a machine that runs VMs, the vPE tab for one whose VMs use GICv4.
  const vms = useApp((s) => (s.session?.shape.vms?.length ?? 0) > 0);
  const v4 = useApp((s) => s.session?.shape.vms?.some((v) => v.gicv4) ?? false);
  // The Trace tab is there only for a session replayed from a trace.
  const trace = useApp((s) => s.session?.trace !== undefined);
  return (
    <div className="inspectors">
      <div className="inspector-tabs" role="tablist" aria-label="Inspectors">
        {TABS.filter((t) => ((vms || !t.vms) && (v4 || !t.v4) && (trace || !t.trace)) || tab === t.id).map(
          (t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls="inspector-body"
              className={tab === t.id ? 'tab current' : 'tab'}
              title={`${t.label} (${t.key})`}
              onClick={() => appStore.getState().setTab(t.id)}
              data-testid={`tab-${t.id}`}
            >
              {t.label}
            </button>
          ),
        )}
      </div>
      <div className="inspector-body" id="inspector-body" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        <Body tab={tab} />
      </div>
    </div>
  );
}
