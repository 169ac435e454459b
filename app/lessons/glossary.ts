/**
 * The glossary the lessons link to: the terms of the GICv3/GICv4 architecture, its ITS, and KVM's
 * virtualization of them, each defined in plain text.
 *
 * Matching (app/lessons/term-links.ts): a name (term or alias) matches as a whole word, the
 * longest name first; an all-capitals name (INT, CLEAR, SYNC) only in capitals, so an ITS command
 * does not match the English word, and any other name (list register, doorbell) in any case.
 * Aliases are therefore chosen to be unambiguous in the lessons: a register's field is given with
 * its register (ICH_HCR_EL2.UIE) so that it wins over a shorter name inside it.
 *
 * Facts follow /work/shared/domain/gic-its-kvm-reference.md (Linux arch/arm64/kvm/vgic/,
 * drivers/irqchip/irq-gic-v3*.c and irq-gic-v4.c, QEMU hw/intc/arm_gicv3*), written in our own
 * words. Where the architecture and KVM or QEMU differ, the entry says which is which.
 */

/** One glossary entry. Plain text only (no Markdown, no HTML): the page renders it as text. */
export interface GlossaryEntry {
  /** The name shown and matched, e.g. 'LPI', 'ITT', 'list register'. Unique. */
  term: string;
  /** Other spellings matched in narration (plurals, expansions, register names): 'LPIs', 'Interrupt Translation Table'. */
  aliases?: string[];
  /** One sentence: what it is. */
  short: string;
  /** Two to four sentences: how it works and why it matters here. */
  more: string;
  /** Related entries (their `term`). */
  see?: string[];
  /** Where to read more: the GIC architecture specification (Arm IHI 0069) section, a Linux source file, KVM documentation… */
  source?: string;
  /** Which part of the story: 'GICv3' | 'ITS' | 'KVM' | 'GICv4'. */
  topic: 'GICv3' | 'ITS' | 'KVM' | 'GICv4';
}

const SPEC = 'Arm IHI 0069, the GIC architecture specification';

export const GLOSSARY: readonly GlossaryEntry[] = [
  // ---------------------------------------------------------------------------------------------
  // GICv3: the interrupt controller, its interrupts and the CPU interface
  // ---------------------------------------------------------------------------------------------
  {
    term: 'GIC',
    aliases: ['Generic Interrupt Controller'],
    short:
      "The GIC is Arm's Generic Interrupt Controller, which collects interrupts from devices and other PEs and signals them to the PEs.",
    more: 'A GICv3 is built from a distributor, one redistributor and one CPU interface per PE, and optionally one or more ITSs for message-signalled interrupts. GICv4 adds the direct injection of virtual interrupts into running virtual machines. The architecture is specified in Arm IHI 0069, which covers GICv3 and GICv4 together.',
    see: ['GICv3', 'distributor', 'redistributor', 'CPU interface', 'ITS'],
    source: SPEC,
    topic: 'GICv3',
  },
  {
    term: 'GICv3',
    short:
      'GICv3 is the version of the Generic Interrupt Controller architecture that introduced affinity routing, redistributors, system-register CPU interfaces, LPIs and the ITS.',
    more: 'Compared with GICv2 it names PEs by affinity instead of an 8-bit CPU mask, so it scales far beyond eight CPUs. Its CPU interface is accessed through ICC_* system registers rather than a memory-mapped frame. Track 1 of the lessons covers the core of GICv3, and track 2 its LPIs and ITS.',
    see: ['GIC', 'affinity routing', 'LPI', 'ITS', 'GICv4'],
    source: `${SPEC}; Linux drivers/irqchip/irq-gic-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'INTID',
    aliases: ['INTIDs', 'interrupt ID'],
    short:
      'An INTID is the number that identifies an interrupt to the GIC and to the software that handles it.',
    more: 'Its range says what kind of interrupt it is: 0 to 15 are SGIs, 16 to 31 PPIs, 32 to 1019 SPIs, 1020 to 1023 are special values (1023 means no interrupt), and 8192 and up are LPIs. GICv3.1 added extended PPIs (1056 to 1119) and extended SPIs (4096 to 5119). GICD_TYPER.IDbits says how many INTID bits the GIC implements; KVM reports 16 when the VM has an ITS, so its highest LPI is 65535.',
    see: ['SGI', 'PPI', 'SPI', 'LPI', 'spurious INTID'],
    source: `${SPEC}; include/kvm/arm_vgic.h (VGIC_NR_SGIS, VGIC_MAX_SPI, VGIC_MIN_LPI)`,
    topic: 'GICv3',
  },
  {
    term: 'SGI',
    aliases: ['SGIs', 'software-generated interrupt', 'software-generated interrupts'],
    short:
      'An SGI is a software-generated interrupt, INTID 0 to 15, that one PE sends to one or more PEs by writing a CPU interface register.',
    more: 'A PE sends Group 1 SGIs by writing ICC_SGI1R_EL1, which names the targets by affinity (a cluster and a 16-bit target list) or, with IRM set, all PEs but the sender. SGIs are banked: each PE has its own copy of SGIs 0 to 15 in its redistributor, and they are always edge-triggered. Linux uses them as IPIs; in GICv3 the acknowledge does not say which PE sent the SGI.',
    see: ['ICC_SGI1R_EL1', 'IPI', 'banked', 'vSGI'],
    source: `${SPEC}, ICC_SGI1R_EL1; Linux drivers/irqchip/irq-gic-v3.c (gic_ipi_send_mask)`,
    topic: 'GICv3',
  },
  {
    term: 'PPI',
    aliases: ['PPIs', 'private peripheral interrupt', 'private peripheral interrupts'],
    short:
      'A PPI is a private peripheral interrupt, INTID 16 to 31, that belongs to one PE, such as that PE’s timer.',
    more: 'PPIs are banked: each PE has its own INTID 27, configured in its own redistributor (the GICR_* registers of the SGI_base frame). The generic timers, the PMU and the GIC maintenance interrupt are PPIs; on QEMU’s virt board the virtual timer is PPI 27 and the maintenance interrupt PPI 25. KVM resets a guest’s PPIs to level-sensitive, and a VMM raises one with KVM_IRQ_LINE naming the vCPU.',
    see: ['banked', 'redistributor', 'level-sensitive', 'KVM_IRQ_LINE'],
    source: `${SPEC}; arch/arm64/kvm/vgic/vgic-init.c`,
    topic: 'GICv3',
  },
  {
    term: 'SPI',
    aliases: ['SPIs', 'shared peripheral interrupt', 'shared peripheral interrupts'],
    short:
      'An SPI is a shared peripheral interrupt, INTID 32 to 1019, held once in the distributor and delivered to one PE at a time.',
    more: 'Unlike SGIs and PPIs an SPI is not banked: the distributor holds its enable, priority, group, trigger mode and state, and GICD_IROUTER says which PE it goes to. Devices raise SPIs on wires (or through a GICv2m frame). In a KVM guest the VMM raises an SPI with KVM_IRQ_LINE or an irqfd, and the guest decides where it goes.',
    see: ['distributor', 'GICD_IROUTER', 'KVM_IRQ_LINE', 'GICv2m'],
    source: `${SPEC}; arch/arm64/kvm/vgic/vgic-mmio-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'LPI',
    aliases: ['LPIs', 'locality-specific peripheral interrupt', 'physical LPI'],
    short:
      'An LPI is a locality-specific peripheral interrupt, INTID 8192 and up, whose configuration and pending state live in memory tables instead of GIC registers.',
    more: 'LPIs exist for message-signalled interrupts: usually an ITS turns a device’s MSI into an LPI at a redistributor. Each LPI has a configuration byte in the property table (priority and enable) and a pending bit in its redistributor’s pending table. LPIs are always edge-triggered and Group 1 and have no active state, so acknowledging one clears its pending state and the EOI only drops the priority.',
    see: ['ITS', 'property table', 'pending table', 'EnableLPIs', 'vLPI'],
    source: `${SPEC}, the chapter on LPIs and the ITS; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'spurious INTID',
    aliases: ['spurious interrupt'],
    short: 'INTID 1023 is the value an acknowledge returns when there is no interrupt the PE may take.',
    more: 'A read of ICC_IAR1_EL1 returns 1023 when no pending interrupt may be taken, for example because it was taken by another PE or masked in the meantime. ICC_HPPIR1_EL1 also reads 1023 when nothing is pending. A handler that reads 1023 has nothing to handle, and writes no EOI for it.',
    see: ['acknowledge', 'HPPIR', 'INTID'],
    source: `${SPEC}, ICC_IAR1_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'PE',
    aliases: ['PEs', 'processing element', 'processing elements'],
    short:
      'A PE, processing element, is the architecture’s word for a CPU: one hardware thread that executes instructions and takes interrupts.',
    more: 'The GIC names each PE by its affinity, the value of its MPIDR_EL1 register. Each PE has its own redistributor and CPU interface. In the virtualization lessons the physical PEs are called pCPUs, to tell them from vCPUs.',
    see: ['affinity', 'redistributor', 'CPU interface', 'pCPU'],
    source: SPEC,
    topic: 'GICv3',
  },
  {
    term: 'affinity',
    aliases: ['affinities', 'MPIDR_EL1', 'Aff0', 'Aff1', 'Aff2', 'Aff3', 'affinity value'],
    short:
      'A PE’s affinity is its four-level address Aff3.Aff2.Aff1.Aff0, read from its MPIDR_EL1 register, by which the GIC names it.',
    more: 'In the lessons Aff0 is a core within a cluster and Aff1 the cluster, so 0.0.1.0 is the first core of the second cluster; which level means what is up to the system. GICD_IROUTER routes an SPI to one affinity, and ICC_SGI1R_EL1 targets PEs whose Aff3.Aff2.Aff1 match and whose Aff0 is in a 16-bit target list. Each redistributor reports the affinity of its PE in GICR_TYPER; Linux also calls the set of CPUs an interrupt may go to its affinity.',
    see: ['PE', 'affinity routing', 'GICD_IROUTER', 'ICC_SGI1R_EL1'],
    source: `${SPEC}; Arm ARM, MPIDR_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'distributor',
    aliases: ['distributors', 'GICD'],
    short:
      'The distributor is the GIC component that holds the state of SPIs, prioritizes them and sends each to the redistributor of its target PE.',
    more: 'It is programmed through the memory-mapped GICD_* registers: GICD_CTLR enables the interrupt groups and affinity routing, and per-interrupt registers set each SPI’s enable, priority, group, trigger mode and route (GICD_IROUTER). With affinity routing on, the distributor no longer handles SGIs and PPIs: the redistributors do. In a KVM guest every distributor access traps and is emulated by the vGIC.',
    see: ['SPI', 'redistributor', 'affinity routing', 'GICD_IROUTER', 'vGIC'],
    source: `${SPEC}, the distributor register descriptions; arch/arm64/kvm/vgic/vgic-mmio-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'redistributor',
    aliases: ['redistributors', 'GICR'],
    short:
      'A redistributor is the per-PE part of the GIC that holds that PE’s SGIs, PPIs and LPIs and passes the highest-priority pending interrupt to its CPU interface.',
    more: 'Its RD_base frame holds GICR_CTLR, GICR_TYPER, GICR_WAKER and the LPI table registers GICR_PROPBASER and GICR_PENDBASER; its SGI_base frame configures the banked SGIs and PPIs. A GICv4 redistributor adds a VLPI_base frame with GICR_VPROPBASER and GICR_VPENDBASER, for the vPE resident on it. The ITS addresses redistributors (by physical address or processor number, per GITS_TYPER.PTA) through collections.',
    see: ['distributor', 'CPU interface', 'GICR_WAKER', 'collection', 'GICR_VPENDBASER'],
    source: `${SPEC}, the redistributor register descriptions; arch/arm64/kvm/vgic/vgic-mmio-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'CPU interface',
    aliases: ['CPU interfaces', 'physical CPU interface'],
    short:
      'The CPU interface is the part of the GIC attached to each PE that signals interrupts to it and through which software acknowledges and ends them.',
    more: 'In GICv3 it is reached through ICC_*_EL1 system registers: ICC_IAR1_EL1 to acknowledge, ICC_EOIR1_EL1 and ICC_DIR_EL1 to end, ICC_PMR_EL1 to mask by priority, ICC_IGRPEN1_EL1 to enable Group 1. It signals an interrupt only if its priority beats both the priority mask and the running priority. Its hypervisor part (ICH_*_EL2) and virtual part (ICV_*) let a hypervisor present interrupts to a guest through list registers.',
    see: ['acknowledge', 'EOI', 'priority mask', 'running priority', 'virtual CPU interface'],
    source: `${SPEC}, the CPU interface system register descriptions; Linux drivers/irqchip/irq-gic-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'GICR_WAKER',
    aliases: ['GICR_WAKER.ProcessorSleep', 'ProcessorSleep'],
    short:
      'GICR_WAKER is the redistributor register whose ProcessorSleep bit tells the GIC whether its PE is asleep.',
    more: 'While ProcessorSleep (bit 1) is 1 the redistributor treats its PE as powered down and does not forward interrupts to its CPU interface. Software brings a PE up by clearing it and waiting until ChildrenAsleep (bit 2) reads 0, as Linux does for every CPU. KVM makes the register read-as-zero and ignore writes: a guest always sees its redistributors awake.',
    see: ['redistributor'],
    source: `${SPEC}, GICR_WAKER; Linux drivers/irqchip/irq-gic-v3.c (gic_enable_redist)`,
    topic: 'GICv3',
  },
  {
    term: 'banked',
    short:
      'An interrupt or register is banked when each PE has its own copy of it at the same INTID or address.',
    more: 'SGIs and PPIs are banked: every PE has its own SGI 3 and its own PPI 27, held in its own redistributor, so enabling SGI 3 on one PE does not enable it on another. SPIs are not banked; there is one SPI 40 for the whole machine. KVM keeps 32 private vgic_irq structures per vCPU for the banked INTIDs.',
    see: ['SGI', 'PPI', 'SPI', 'redistributor'],
    source: SPEC,
    topic: 'GICv3',
  },
  {
    term: 'Group 1',
    aliases: ['Group 0', 'ICC_IGRPEN1_EL1', 'interrupt group', 'interrupt groups'],
    short:
      'Group 1 is the interrupt group an operating system such as Linux uses, whose interrupts reach it as IRQs, while Group 0 interrupts are signalled as FIQs and normally belong to firmware.',
    more: 'Each interrupt is in one group, set by GICD_IGROUPR and GICR_IGROUPR0 (with two Security states, a modifier register splits Group 1 into Secure and Non-secure). A group must be enabled both at the distributor (GICD_CTLR) and at each CPU interface (ICC_IGRPEN1_EL1 for Group 1). LPIs are always Group 1, and KVM puts a guest’s SGIs, PPIs and SPIs in Group 1 by default.',
    see: ['distributor', 'CPU interface', 'acknowledge'],
    source: `${SPEC}, interrupt grouping; arch/arm64/kvm/vgic/vgic-init.c`,
    topic: 'GICv3',
  },
  {
    term: 'priority',
    aliases: ['priorities', 'interrupt priority'],
    short: 'An interrupt’s priority is an 8-bit value in which a lower number means a more urgent interrupt.',
    more: 'Priorities are set per interrupt (GICD_IPRIORITYR, GICR_IPRIORITYR, or an LPI’s configuration byte) and compared with the priority mask and the running priority to decide what the CPU interface may signal. An implementation may implement fewer than 8 bits, in which case the unimplemented low bits read as zero; 5 bits is common. Software such as Linux gives most interrupts 0xA0.',
    see: ['priority mask', 'running priority', 'binary point', 'preemption'],
    source: `${SPEC}, interrupt prioritization`,
    topic: 'GICv3',
  },
  {
    term: 'running priority',
    aliases: ['ICC_RPR_EL1', 'RPR'],
    short:
      'The running priority is the priority of the highest-priority interrupt a PE is currently handling, shown in ICC_RPR_EL1.',
    more: 'An acknowledge raises it to the group priority of the interrupt taken (by setting a bit in the active priorities registers), and a priority drop lowers it again. While it is set, only an interrupt with a strictly higher group priority can preempt the handler. With nothing active it reads 0xFF, idle.',
    see: ['priority', 'priority drop', 'active priorities', 'preemption', 'binary point'],
    source: `${SPEC}, ICC_RPR_EL1 and interrupt prioritization`,
    topic: 'GICv3',
  },
  {
    term: 'priority mask',
    aliases: ['PMR', 'ICC_PMR_EL1'],
    short:
      'The priority mask, ICC_PMR_EL1, is a per-PE threshold: the CPU interface signals only interrupts whose priority is strictly higher (numerically lower) than it.',
    more: 'With PMR = 0xF0 an interrupt of priority 0xF0 is held back and one of 0xA0 is signalled. It lets an OS mask interrupts by priority without touching PSTATE.I; Linux’s pseudo-NMI support is built on it. A guest’s writes go to ICV_PMR_EL1, which hardware keeps in ICH_VMCR_EL2, so they do not trap.',
    see: ['priority', 'running priority', 'virtual CPU interface'],
    source: `${SPEC}, ICC_PMR_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'binary point',
    aliases: ['ICC_BPR1_EL1', 'BPR1', 'binary point register', 'group priority', 'subpriority'],
    short:
      'The binary point (ICC_BPR1_EL1 for Group 1) splits each priority into a group priority, which decides preemption, and a subpriority, which only orders pending interrupts.',
    more: 'For Group 1, ICC_BPR1_EL1 = n makes priority bits [7:n] the group priority (for Group 0, ICC_BPR0_EL1 = n makes it bits [7:n+1]). With BPR1 = 6, priorities 0x80 and 0xA0 share group priority 0x80, so neither can preempt the other. Writing a value below the minimum the interface allows sets the minimum, which lets every implemented priority bit count; Linux writes 0 at boot for that reason.',
    see: ['priority', 'running priority', 'preemption'],
    source: `${SPEC}, ICC_BPR1_EL1 and priority grouping`,
    topic: 'GICv3',
  },
  {
    term: 'preemption',
    aliases: ['preempt', 'preempts', 'preempted'],
    short:
      'Preemption is the taking of a new interrupt while the handler of another is still running, allowed only when the new one has a higher group priority.',
    more: 'The CPU interface compares the pending interrupt’s group priority with the running priority, not with every active interrupt, so an interrupt that beats something lower down the stack but not the one on top waits. Equal group priorities never preempt each other. A preempted vCPU is another matter: its thread was descheduled by the host.',
    see: ['running priority', 'binary point', 'priority'],
    source: `${SPEC}, preemption`,
    topic: 'GICv3',
  },
  {
    term: 'active priorities',
    aliases: ['ICC_AP1R0_EL1', 'active priority registers', 'active-priority register'],
    short:
      'The active priorities registers (ICC_AP1R0_EL1 and its siblings) record, one bit per preemption level, which priority levels a PE currently has active.',
    more: 'An acknowledge sets the bit of the interrupt’s group priority, and a priority drop clears the highest set bit; the running priority is the highest priority with a bit set. They let the CPU interface restore the right running priority when nested handlers finish. KVM saves and restores a guest’s copy (ICH_AP1R0_EL2 and its siblings) with the rest of its CPU interface state.',
    see: ['running priority', 'priority drop', 'acknowledge'],
    source: `${SPEC}, ICC_AP1Rn_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'HPPIR',
    aliases: ['ICC_HPPIR1_EL1'],
    short:
      'ICC_HPPIR1_EL1 reads the INTID of the highest-priority pending Group 1 interrupt for the PE, without acknowledging it.',
    more: 'It reads 1023 when nothing is pending. It can name an interrupt that is not being signalled, because the priority mask or the running priority holds it back, which makes it useful for watching what waits. Reading it changes no state.',
    see: ['acknowledge', 'spurious INTID', 'priority mask'],
    source: `${SPEC}, ICC_HPPIR1_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'acknowledge',
    aliases: ['acknowledges', 'acknowledged', 'acknowledging', 'IAR', 'ICC_IAR1_EL1'],
    short:
      'To acknowledge an interrupt is to read ICC_IAR1_EL1, which returns its INTID and starts its handling.',
    more: 'The read is not a plain read: it makes the interrupt active (an LPI, which has no active state, simply stops being pending) and raises the running priority to its group priority. It returns 1023 if nothing may be taken. A Group 0 interrupt is acknowledged through ICC_IAR0_EL1 instead, and a guest’s reads go to ICV_IAR1_EL1.',
    see: ['EOI', 'active state', 'running priority', 'spurious INTID'],
    source: `${SPEC}, ICC_IAR1_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'EOI',
    aliases: ['EOIs', 'EOIR', 'ICC_EOIR1_EL1', 'end of interrupt'],
    short:
      'An EOI, end of interrupt, is the write of an interrupt’s INTID to ICC_EOIR1_EL1 that ends its handling.',
    more: 'It always performs the priority drop. With ICC_CTLR_EL1.EOImode = 0 it also deactivates the interrupt; with EOImode = 1 deactivation needs a separate write to ICC_DIR_EL1. If a level-sensitive interrupt’s line is still asserted when it is deactivated, it is pending again at once, which is why a handler silences its device before the EOI.',
    see: ['priority drop', 'deactivate', 'EOImode', 'acknowledge'],
    source: `${SPEC}, ICC_EOIR1_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'priority drop',
    aliases: ['priority drops'],
    short:
      'The priority drop is the half of ending an interrupt that lowers the CPU interface’s running priority, done by the EOI write.',
    more: 'It clears the highest bit in the active priorities registers, so the PE can take interrupts of the priority it was just handling again. It does not change the interrupt’s own state: that is deactivation. Splitting the two (EOImode = 1) lets a hypervisor drop the priority at once and leave the interrupt active until a guest has handled it.',
    see: ['EOI', 'deactivate', 'EOImode', 'running priority'],
    source: `${SPEC}, priority drop and interrupt deactivation`,
    topic: 'GICv3',
  },
  {
    term: 'deactivate',
    aliases: ['deactivation', 'deactivates', 'deactivated', 'ICC_DIR_EL1', 'DIR'],
    short:
      'To deactivate an interrupt is to take it out of the active state, so that it can be signalled again.',
    more: 'With EOImode = 0 the EOI write deactivates; with EOImode = 1 software writes the INTID to ICC_DIR_EL1. Writing the interrupt’s bit in GICD_ICACTIVER (GICR_ICACTIVER0 for SGIs and PPIs) also deactivates it, but does not drop the running priority. When a list register has its HW bit set, the guest’s deactivation of the virtual interrupt also deactivates the physical one.',
    see: ['EOI', 'EOImode', 'active state', 'HW bit'],
    source: `${SPEC}, ICC_DIR_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'EOImode',
    aliases: ['ICC_CTLR_EL1.EOImode'],
    short:
      'EOImode, bit 1 of ICC_CTLR_EL1, chooses whether an EOI write both drops the priority and deactivates (0) or only drops the priority (1).',
    more: 'With EOImode = 1, software deactivates separately with ICC_DIR_EL1 (with EOImode = 0, QEMU ignores writes to it). Linux runs with EOImode = 1 when it boots at EL2, so that KVM can let a guest’s deactivation of a virtual interrupt, such as its timer, deactivate the physical one. A guest’s own EOImode is kept in ICH_VMCR_EL2.',
    see: ['EOI', 'priority drop', 'deactivate'],
    source: `${SPEC}, ICC_CTLR_EL1; Linux drivers/irqchip/irq-gic-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'active state',
    aliases: ['active and pending', 'pending and active'],
    short:
      'An interrupt is active from its acknowledge until it is deactivated: it is being handled, and it is not signalled again meanwhile.',
    more: 'An active interrupt can also become pending (a new edge, or a level line still high); it is then active and pending, and is signalled once it is deactivated. LPIs have no active state. In a list register the state field encodes inactive, pending, active, or active and pending.',
    see: ['pending state', 'acknowledge', 'deactivate', 'list register'],
    source: `${SPEC}, interrupt states`,
    topic: 'GICv3',
  },
  {
    term: 'pending state',
    aliases: ['pending bit'],
    short: 'An interrupt is pending when it has been asserted and waits to be acknowledged.',
    more: 'For an edge-triggered interrupt the pending state is a latch set by the edge and cleared by the acknowledge; for a level-sensitive one it follows the line. Software can also set or clear it (GICD_ISPENDR, GICD_ICPENDR, or the ITS commands INT and CLEAR for LPIs). A pending interrupt is signalled only if it is enabled and its priority beats the priority mask and the running priority.',
    see: ['active state', 'edge-triggered', 'level-sensitive', 'pending table'],
    source: `${SPEC}, interrupt states`,
    topic: 'GICv3',
  },
  {
    term: 'level-sensitive',
    aliases: ['level-triggered', 'level interrupt', 'level interrupts'],
    short: 'A level-sensitive interrupt is pending for as long as its input line is asserted.',
    more: 'Acknowledging it does not remove the pending state the line provides, so if the device still holds the line when the handler ends, the interrupt is taken again: the handler must silence the device first. If the line drops before the PE looks, nothing is left to handle. The trigger mode is set by GICD_ICFGR or GICR_ICFGR (two bits per INTID, the upper bit clear for level); KVM makes a guest’s PPIs level-sensitive.',
    see: ['edge-triggered', 'pending state', 'line_level'],
    source: `${SPEC}, GICD_ICFGR`,
    topic: 'GICv3',
  },
  {
    term: 'edge-triggered',
    aliases: ['edge interrupt', 'edge-triggered interrupt'],
    short:
      'An edge-triggered interrupt becomes pending on a rising edge of its input and stays pending, latched, until it is acknowledged.',
    more: 'Edges that arrive before the acknowledge merge into one pending state, so a driver looks at its device’s status rather than counting interrupts. An edge that arrives while the interrupt is active makes it active and pending, and it is taken again after deactivation. SGIs and LPIs are always edge-triggered, and KVM creates a guest’s SPIs edge-triggered until the guest changes GICD_ICFGR.',
    see: ['level-sensitive', 'pending state', 'active state', 'pending_latch'],
    source: `${SPEC}, GICD_ICFGR`,
    topic: 'GICv3',
  },
  {
    term: 'affinity routing',
    aliases: ['ARE', 'GICD_CTLR.ARE'],
    short:
      'Affinity routing is the GICv3 scheme, enabled by GICD_CTLR.ARE, in which interrupts are routed to PEs named by their affinity.',
    more: 'With ARE set, SPIs are routed by GICD_IROUTER, SGIs are sent through ICC_SGI1R_EL1, and SGIs and PPIs are configured in each redistributor; the GICv2 registers GICD_ITARGETSR and GICD_SGIR are reserved. Without it a GICv3 can run in a GICv2-compatible legacy mode, which is optional. KVM’s GICv3 always has ARE set.',
    see: ['affinity', 'GICD_IROUTER', 'ICC_SGI1R_EL1'],
    source: `${SPEC}, affinity routing and GICD_CTLR`,
    topic: 'GICv3',
  },
  {
    term: 'GICD_IROUTER',
    aliases: ['IROUTER'],
    short:
      'GICD_IROUTER is the 64-bit distributor register, one per SPI, that names the PE an SPI is routed to by its affinity.',
    more: 'The register for INTID n is at offset 0x6000 + 8n and holds Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], Aff3 [39:32] and the Interrupt_Routing_Mode bit, IRM [31]. The distributor consults the route whenever it forwards the SPI, so rewriting it redirects an SPI that is still pending. KVM keeps only Aff2.Aff1.Aff0 and ignores IRM.',
    see: ['affinity', 'affinity routing', 'IRM', 'SPI'],
    source: `${SPEC}, GICD_IROUTER; arch/arm64/kvm/vgic/vgic-mmio-v3.c`,
    topic: 'GICv3',
  },
  {
    term: 'IRM',
    aliases: ['Interrupt_Routing_Mode', '1-of-N', '1 of N'],
    short:
      'IRM is a routing-mode bit that replaces a list of named targets with a rule: in GICD_IROUTER it means any one PE, in ICC_SGI1R_EL1 every PE but the sender.',
    more: 'In GICD_IROUTER (bit 31) it requests 1-of-N routing, in which the distributor may give each occurrence of the SPI to any one participating PE; that is optional, and GICD_TYPER.No1N = 1 says it is not supported. In ICC_SGI1R_EL1 (bit 40) it broadcasts the SGI to all PEs except the sender, whatever the target list says. KVM makes the GICD_IROUTER bit read as zero and QEMU ignores it; Linux routes each SPI to one named CPU.',
    see: ['GICD_IROUTER', 'ICC_SGI1R_EL1', 'affinity routing'],
    source: `${SPEC}, GICD_IROUTER and ICC_SGI1R_EL1`,
    topic: 'GICv3',
  },
  {
    term: 'ICC_SGI1R_EL1',
    aliases: ['TargetList', 'target list', 'ICC_SGI0R_EL1', 'ICC_ASGI1R_EL1'],
    short: 'ICC_SGI1R_EL1 is the CPU interface register a PE writes to send a Group 1 SGI.',
    more: 'Its fields give the INTID [27:24], one cluster as Aff3.Aff2.Aff1 ([55:48], [39:32], [23:16]) and a 16-bit TargetList [15:0] whose bit n names the PE with Aff0 = n in that cluster; IRM [40] = 1 sends to every PE but the sender instead. One write reaches one cluster, so Linux writes it once per cluster. A guest’s write traps to KVM, which delivers the SGI to the named vCPUs.',
    see: ['SGI', 'affinity', 'IRM', 'IPI'],
    source: `${SPEC}, ICC_SGI1R_EL1; arch/arm64/kvm/vgic/vgic-mmio-v3.c (vgic_v3_dispatch_sgi)`,
    topic: 'GICv3',
  },
  {
    term: 'IPI',
    aliases: ['IPIs', 'inter-processor interrupt', 'reschedule IPI'],
    short:
      'An IPI, inter-processor interrupt, is an interrupt one CPU sends another, which Linux on a GICv3 implements with SGIs.',
    more: 'Linux uses IPIs to ask another CPU to reschedule, run a function or stop. KVM’s kick of a vCPU running on another pCPU is a reschedule IPI: it is a physical interrupt, so it makes the guest exit. A target that does not exist receives nothing, silently.',
    see: ['SGI', 'kick', 'ICC_SGI1R_EL1'],
    source: 'Linux arch/arm64/kernel/smp.c; drivers/irqchip/irq-gic-v3.c',
    topic: 'GICv3',
  },

  // ---------------------------------------------------------------------------------------------
  // ITS: LPIs, the ITS, its tables and its commands
  // ---------------------------------------------------------------------------------------------
  {
    term: 'ITS',
    aliases: ['ITSs', 'Interrupt Translation Service', 'physical ITS', 'host ITS'],
    short:
      'The ITS, Interrupt Translation Service, is the GIC component that turns a device’s MSI into an LPI at the right redistributor.',
    more: 'A device writes an EventID to the ITS’s GITS_TRANSLATER register, and the bus adds the writer’s DeviceID; the ITS looks the pair up in its tables (device table, ITT, collection table) and makes the resulting LPI pending at a redistributor. Software never edits those tables: it programs them through the ITS command queue, with commands such as MAPD, MAPC and MAPTI. Because the DeviceID comes from the bus, a device can only raise its own interrupts.',
    see: ['MSI', 'GITS_TRANSLATER', 'DeviceID', 'EventID', 'command queue', 'vITS'],
    source: `${SPEC}, the chapter on LPIs and the ITS; Linux drivers/irqchip/irq-gic-v3-its.c`,
    topic: 'ITS',
  },
  {
    term: 'MSI',
    aliases: ['MSIs', 'MSI-X', 'message-signalled interrupt', 'message-signaled interrupt'],
    short:
      'An MSI, message-signalled interrupt, is an interrupt a device raises by writing a value to an address instead of asserting a wire.',
    more: 'The device’s driver programs the address (the doorbell: for a GICv3, the ITS’s GITS_TRANSLATER) and the data (the EventID) into the device, PCI MSI or MSI-X registers for a PCI device. The write is an ordinary memory write on the bus, tagged with the device’s Requester ID. On a GICv2m, the address is an MSI frame and the data an SPI number.',
    see: ['ITS', 'GITS_TRANSLATER', 'EventID', 'Requester ID', 'GICv2m'],
    source: `${SPEC}, the chapter on LPIs and the ITS; PCI Express Base Specification, MSI and MSI-X`,
    topic: 'ITS',
  },
  {
    term: 'GITS_TRANSLATER',
    aliases: ['TRANSLATER'],
    short:
      'GITS_TRANSLATER is the ITS register that devices write their MSIs to, the doorbell at offset 0x10040 from the ITS base.',
    more: 'The written data is the EventID; the DeviceID is not in the data but comes from the bus with the write. It lives in the ITS’s second 64 KiB frame, the translation frame, so that it can be mapped for devices apart from the control registers. A KVM guest’s vITS has this register in its address map, but MSIs reach a vITS only through KVM_SIGNAL_MSI or an irqfd, not through writes to it.',
    see: ['MSI', 'ITS', 'EventID', 'DeviceID'],
    source: `${SPEC}, GITS_TRANSLATER`,
    topic: 'ITS',
  },
  {
    term: 'DeviceID',
    aliases: ['DeviceIDs', 'device ID', 'pDevID'],
    short:
      'A DeviceID is the number by which the ITS identifies the device that wrote an MSI, supplied by the bus rather than by the device.',
    more: 'For PCI the platform derives it from the Requester ID, often unchanged, as described by the device tree’s msi-map or ACPI’s IORT. GITS_TYPER.Devbits gives its width, and MAPD gives each DeviceID its ITT. In the GICv4 lessons pDevID is the DeviceID the host’s ITS knows a passed-through device by, distinct from the DeviceID the guest’s vITS uses.',
    see: ['Requester ID', 'EventID', 'MAPD', 'device table'],
    source: `${SPEC}; Linux Documentation/devicetree/bindings/pci/pci-msi.txt (msi-map)`,
    topic: 'ITS',
  },
  {
    term: 'Requester ID',
    aliases: ['Requester IDs'],
    short:
      'The Requester ID is the 16-bit PCI identity of a device (bus number in bits [15:8], device in [7:3], function in [2:0]), which the bus attaches to every write the device makes.',
    more: 'Device 00:02.0 has Requester ID 0x10. The platform turns it into the ITS’s DeviceID, so the ITS knows which device sent an MSI without trusting anything the device wrote. In a guest, the vITS learns the DeviceID only from the VMM (the devid of KVM_SIGNAL_MSI or of an MSI route).',
    see: ['DeviceID', 'MSI', 'KVM_MSI_VALID_DEVID'],
    source: 'PCI Express Base Specification; Linux drivers/pci/msi/',
    topic: 'ITS',
  },
  {
    term: 'EventID',
    aliases: ['EventIDs', 'event ID', 'pEventID'],
    short:
      'An EventID is the number a device writes as its MSI data, selecting one of that device’s interrupts.',
    more: 'EventIDs are private to each device: the ITS looks the EventID up in the ITT of the DeviceID the bus supplied, so event 0 of one device has nothing to do with event 0 of another. MAPD sets how many EventID bits a device has, and MAPTI maps an EventID to an LPI. In the GICv4 lessons pEventID is the EventID on the host’s ITS.',
    see: ['DeviceID', 'ITT', 'MAPTI', 'GITS_TRANSLATER'],
    source: `${SPEC}, the chapter on LPIs and the ITS`,
    topic: 'ITS',
  },
  {
    term: 'collection',
    aliases: ['collections', 'interrupt collection'],
    short:
      'A collection is a group of ITS events that go to the same redistributor, so that all of them can be retargeted at once.',
    more: 'MAPTI puts an event in a collection (by its ICID), and MAPC maps the collection to a redistributor: two levels of indirection instead of one. Retargeting a whole collection is one MAPC; moving one event to another collection is MOVI. Linux makes one collection per CPU.',
    see: ['ICID', 'MAPC', 'collection table', 'MOVI'],
    source: `${SPEC}, the chapter on LPIs and the ITS`,
    topic: 'ITS',
  },
  {
    term: 'ICID',
    aliases: ['collection ID'],
    short: 'An ICID, interrupt collection ID, is the number that names a collection in ITS commands.',
    more: 'MAPC maps an ICID to a redistributor, MAPTI and MOVI place an event in an ICID, and INVALL names one. GITS_TYPER says how many bits an ICID has (16 unless CIL is set); KVM’s vITS accepts 16-bit ICIDs, limited by its collection table.',
    see: ['collection', 'MAPC', 'collection table'],
    source: `${SPEC}, ITS commands`,
    topic: 'ITS',
  },
  {
    term: 'device table',
    aliases: ['device tables', 'DTE', 'device table entry'],
    short:
      'The device table is the ITS’s table in memory, indexed by DeviceID, whose entries (DTEs) give each device’s ITT address and size.',
    more: 'Software provides its memory through a GITS_BASER register of type Devices, and MAPD writes its entries; the entry format belongs to the implementation, so software must not read or write them. A large DeviceID space can use a two-level table. KVM keeps devices in kernel lists and writes its guest’s device table only when saving the vITS state, or to zero an entry on an unmapping MAPD.',
    see: ['GITS_BASER', 'MAPD', 'ITT', 'two-level table'],
    source: `${SPEC}, GITS_BASER; Documentation/virt/kvm/devices/arm-vgic-its.rst (the saved table formats)`,
    topic: 'ITS',
  },
  {
    term: 'ITT',
    aliases: ['ITTs', 'interrupt translation table', 'interrupt translation tables'],
    short:
      'An ITT, interrupt translation table, is the per-device table in memory, indexed by EventID, that holds that device’s interrupt translation entries.',
    more: 'MAPD gives a device its ITT (a 256-byte aligned address and a number of EventID bits) and MAPTI fills its entries. Like the other ITS tables its format is the implementation’s, 8-byte entries in KVM and 12-byte ones in QEMU. Linux gives every MAPD V=1 a freshly allocated, zeroed ITT.',
    see: ['ITE', 'MAPD', 'MAPTI', 'device table'],
    source: `${SPEC}, MAPD; Linux drivers/irqchip/irq-gic-v3-its.c (its_create_device)`,
    topic: 'ITS',
  },
  {
    term: 'ITE',
    aliases: ['ITEs', 'interrupt translation entry', 'virtual ITE'],
    short:
      'An ITE, interrupt translation entry, is the ITT entry for one EventID: the LPI it becomes and the collection it goes to.',
    more: 'MAPTI and MAPI create ITEs, MOVI changes their collection and DISCARD removes them. On GICv4 an ITE can instead be virtual, written by VMAPTI: it then names a vLPI, a vPE and a doorbell. KVM stores a guest’s ITEs in kernel lists and in its saved format packs the pINTID and ICID into 8 bytes.',
    see: ['ITT', 'MAPTI', 'DISCARD', 'VMAPTI'],
    source: `${SPEC}, ITS commands; Documentation/virt/kvm/devices/arm-vgic-its.rst`,
    topic: 'ITS',
  },
  {
    term: 'collection table',
    aliases: ['collection tables', 'CTE', 'collection table entry'],
    short:
      'The collection table is the ITS’s table in memory, indexed by ICID, whose entries (CTEs) give the redistributor each collection is mapped to.',
    more: 'Software provides its memory through a GITS_BASER register of type Interrupt Collections, and MAPC writes its entries. An ITS may instead hold some collections internally (GITS_TYPER.HCC). KVM’s vITS keeps collections in a kernel list and writes the table only when saving its state.',
    see: ['collection', 'ICID', 'MAPC', 'GITS_BASER'],
    source: `${SPEC}, GITS_BASER`,
    topic: 'ITS',
  },
  {
    term: 'GITS_BASER',
    aliases: ['GITS_BASER0', 'GITS_BASER1', 'GITS_BASER2', 'BASER'],
    short:
      'The GITS_BASER registers (GITS_BASER0 to GITS_BASER7) tell the ITS where the memory for each of its tables is.',
    more: 'Each has a read-only Type [58:56] (1 Devices, 2 vPEs, 4 Interrupt Collections) and Entry_Size [52:48], which software reads to learn what to allocate, and fields it writes: the address, Page_Size [9:8], Size [7:0] in pages minus one, Indirect (bit 62) for a two-level table and Valid (bit 63). KVM’s vITS implements BASER0 (devices) and BASER1 (collections) only and forces 64 KiB pages, and like QEMU ignores writes while the ITS is enabled.',
    see: ['device table', 'collection table', 'vPE table', 'two-level table'],
    source: `${SPEC}, GITS_BASERn; include/linux/irqchip/arm-gic-v3.h`,
    topic: 'ITS',
  },
  {
    term: 'two-level table',
    aliases: ['two-level tables', 'two-level', 'level-1 table', 'level-2 page', 'indirect table'],
    short:
      'A two-level ITS table is one whose GITS_BASER points at a level-1 table of pointers to level-2 pages, so that only the pages for IDs in use need memory.',
    more: 'Software sets GITS_BASER.Indirect (bit 62) and uses a two-level table only if the bit reads back as 1. Each 8-byte level-1 entry is invalid or holds Valid (bit 63) and the address of one level-2 page of ordinary table entries. Linux allocates a zeroed level-2 page before the first MAPD of a DeviceID in its range; without it the MAPD cannot take effect.',
    see: ['GITS_BASER', 'device table', 'MAPD'],
    source: `${SPEC}, GITS_BASER; Linux drivers/irqchip/irq-gic-v3-its.c (its_alloc_table_entry)`,
    topic: 'ITS',
  },
  {
    term: 'GITS_TYPER',
    short: 'GITS_TYPER is the read-only ITS register that describes what the ITS supports.',
    more: 'Among its fields: Physical (bit 0) and Virtual (bit 1, GICv4) LPIs, ITT_entry_size [7:4], ID_bits [12:8] (EventID bits minus one), Devbits [17:13] (DeviceID bits minus one), PTA (bit 19: whether RDbase is an address or a processor number), HCC, CIL and CIDbits, and on GICv4 VMOVP, VSGI and VMAPP. KVM’s vITS reports 0x1EF71: physical LPIs, 8-byte ITEs, 16-bit EventIDs and DeviceIDs, PTA = 0 and no virtual support.',
    see: ['ITS', 'RDbase', 'DeviceID', 'EventID'],
    source: `${SPEC}, GITS_TYPER; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'GITS_CTLR',
    aliases: ['GITS_CTLR.Enabled'],
    short: 'GITS_CTLR is the ITS control register whose Enabled bit turns the ITS on.',
    more: 'A disabled ITS neither reads commands nor translates MSIs; commands queued meanwhile wait in the ring. Quiescent (bit 31) says the ITS has finished all its work. KVM refuses to enable its vITS unless the device table, the collection table and the command queue are all valid, and clearing Enabled empties the vITS’s translation cache.',
    see: ['ITS', 'command queue', 'translation cache'],
    source: `${SPEC}, GITS_CTLR; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'command queue',
    aliases: ['command queues', 'ITS command queue', 'GITS_CBASER', 'CBASER'],
    short:
      'The command queue is the ring of 32-byte commands in memory through which software programs the ITS.',
    more: 'GITS_CBASER gives its address and Size (in 4 KiB pages minus one) and Valid. Software writes commands at GITS_CWRITER and advances it; the ITS executes from GITS_CREADR and advances that, wrapping at the end, and the queue is empty when the two are equal, so a full ring keeps one slot free. Writing GITS_CBASER resets GITS_CREADR to 0.',
    see: ['GITS_CWRITER', 'GITS_CREADR', 'stall', 'SYNC'],
    source: `${SPEC}, GITS_CBASER and the ITS command interface; Linux drivers/irqchip/irq-gic-v3-its.c (its_queue_full)`,
    topic: 'ITS',
  },
  {
    term: 'GITS_CWRITER',
    aliases: ['CWRITER'],
    short:
      'GITS_CWRITER is the command queue’s write pointer: the byte offset where software will put the next command.',
    more: 'Software writes its commands into the ring first and then advances GITS_CWRITER to announce them. Its bit 0, Retry, asks a stalled ITS to try the stalled command again (KVM and QEMU ignore it). In a KVM guest this write traps, and KVM executes the queued commands synchronously before the guest continues.',
    see: ['command queue', 'GITS_CREADR', 'stall'],
    source: `${SPEC}, GITS_CWRITER; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'GITS_CREADR',
    aliases: ['CREADR'],
    short:
      'GITS_CREADR is the command queue’s read pointer: the byte offset of the next command the ITS will execute.',
    more: 'A driver knows a command has been executed only when GITS_CREADR has moved past it, which is why Linux polls it after each batch (and gives up with an ITS queue timeout). Its bit 0, Stalled, is set when the ITS has stopped on a command error. It is read-only to a guest under KVM.',
    see: ['command queue', 'GITS_CWRITER', 'stall'],
    source: `${SPEC}, GITS_CREADR; Linux drivers/irqchip/irq-gic-v3-its.c (its_wait_for_range_completion)`,
    topic: 'ITS',
  },
  {
    term: 'stall',
    aliases: ['stalled', 'stalls', 'GITS_CREADR.Stalled'],
    short:
      'An ITS stalls when it stops executing its command queue at a command it cannot carry out, with GITS_CREADR.Stalled set.',
    more: 'The architecture lets an ITS either stall on a command error or ignore the command and go on. A stalled ITS executes nothing behind the failed command until software fixes the cause and writes GITS_CWRITER with Retry, or disables the ITS and rewrites GITS_CBASER. KVM never stalls (it drops failed commands); QEMU stalls only when a memory access fails.',
    see: ['command queue', 'GITS_CREADR', 'GITS_CWRITER'],
    source: `${SPEC}, ITS command errors; QEMU hw/intc/arm_gicv3_its.c`,
    topic: 'ITS',
  },
  {
    term: 'RDbase',
    aliases: ['RDbase1', 'RDbase2', 'target address'],
    short: 'RDbase is the field of ITS commands that names a redistributor.',
    more: 'With GITS_TYPER.PTA = 1 it is the redistributor’s physical address; with PTA = 0 it is its processor number, from GICR_TYPER.Processor_Number. KVM’s vITS has PTA = 0, so a guest’s RDbase is a vCPU number. MAPC, SYNC, MOVALL and the GICv4 VMAPP and VMOVP take one.',
    see: ['MAPC', 'MOVALL', 'GITS_TYPER', 'redistributor'],
    source: `${SPEC}, ITS commands and GITS_TYPER`,
    topic: 'ITS',
  },
  {
    term: 'MAPD',
    short: 'MAPD is the ITS command that maps a DeviceID to an ITT, or with V = 0 unmaps it.',
    more: 'It takes the DeviceID, Size (the number of EventID bits minus one), the ITT address (256-byte aligned) and V. An unmapped device’s MSIs are dropped. Implementations differ on a remap: KVM frees all of the device’s events on any MAPD of a mapped device, while QEMU rewrites only the device table entry and leaves the old ITT in memory.',
    see: ['ITT', 'device table', 'DeviceID', 'MAPTI'],
    source: `${SPEC}, MAPD; arch/arm64/kvm/vgic/vgic-its.c (vgic_its_cmd_handle_mapd)`,
    topic: 'ITS',
  },
  {
    term: 'MAPC',
    short:
      'MAPC is the ITS command that maps a collection (ICID) to a redistributor (RDbase), or with V = 0 unmaps it.',
    more: 'All future MSIs of every event in the collection then go to that redistributor, so remapping a collection retargets all its events with one command. In the architecture it does not move LPIs already pending at the old redistributor, which is what MOVALL is for; KVM instead retargets every LPI of the collection at once. Linux maps one collection per CPU, followed by SYNC and INVALL.',
    see: ['collection', 'ICID', 'RDbase', 'MOVALL'],
    source: `${SPEC}, MAPC; arch/arm64/kvm/vgic/vgic-its.c (vgic_its_cmd_handle_mapc)`,
    topic: 'ITS',
  },
  {
    term: 'MAPTI',
    aliases: ['MAPI', 'MAPVI'],
    short:
      'MAPTI is the ITS command that maps one event of a device (DeviceID, EventID) to an LPI (pINTID) in a collection (ICID).',
    more: 'It writes the event’s ITE. MAPI is the same with the LPI number equal to the EventID, and MAPVI is MAPTI’s old name. The device must be mapped and the EventID within its range; if the event is already mapped, KVM ignores the command while QEMU overwrites the entry.',
    see: ['ITE', 'MAPD', 'MAPC', 'DISCARD', 'VMAPTI'],
    source: `${SPEC}, MAPTI and MAPI; arch/arm64/kvm/vgic/vgic-its.c (vgic_its_cmd_handle_mapi)`,
    topic: 'ITS',
  },
  {
    term: 'MOVI',
    short:
      'MOVI is the ITS command that moves one event to another collection, and so its LPI to another redistributor.',
    more: 'It rewrites the event’s ITE with the new ICID, and a pending LPI moves with it. Linux issues MOVI (and a SYNC) when an LPI’s affinity changes. For an LPI that KVM has forwarded with GICv4, the guest’s MOVI becomes a VMOVI on the host ITS.',
    see: ['collection', 'MOVALL', 'MAPC', 'VMOVI'],
    source: `${SPEC}, MOVI; Linux drivers/irqchip/irq-gic-v3-its.c (its_set_affinity)`,
    topic: 'ITS',
  },
  {
    term: 'MOVALL',
    short:
      'MOVALL is the ITS command that moves every LPI pending at one redistributor (RDbase1) to another (RDbase2).',
    more: 'It changes no ITS table, so it is used with a MAPC that sends the collection’s future MSIs to the new redistributor. Linux never issues it. KVM’s version retargets every LPI of the VM to the second vCPU in recent kernels, and for forwarded LPIs sends one VMOVI each.',
    see: ['MAPC', 'MOVI', 'RDbase'],
    source: `${SPEC}, MOVALL; arch/arm64/kvm/vgic/vgic-its.c (vgic_its_cmd_handle_movall)`,
    topic: 'ITS',
  },
  {
    term: 'DISCARD',
    short:
      'DISCARD is the ITS command that removes the mapping of one event (DeviceID, EventID), so later MSIs for it are dropped.',
    more: 'The architecture also clears the LPI’s pending state, and QEMU does; KVM does not, so an LPI pending when it is discarded can still be delivered once. Linux discards each event when its interrupt is torn down. For a forwarded LPI, KVM first unforwards it, giving the host back its own LPI.',
    see: ['MAPTI', 'ITE', 'CLEAR', 'direct injection'],
    source: `${SPEC}, DISCARD; arch/arm64/kvm/vgic/vgic-its.c (vgic_its_cmd_handle_discard)`,
    topic: 'ITS',
  },
  {
    term: 'INV',
    short:
      'INV is the ITS command that makes the redistributor holding an event’s LPI reload that LPI’s configuration byte from the property table.',
    more: 'A redistributor may cache configuration bytes, so a change written to the property table is guaranteed to take effect only after an invalidation: INV, INVALL, or a GICR_INVLPIR write. KVM copies the byte into its vgic_irq and rereads it only then. Linux sends INV (and SYNC) whenever it masks or unmasks an LPI, unless the redistributors offer GICR_INVLPIR.',
    see: ['property table', 'INVALL', 'GICR_INVLPIR', 'SYNC'],
    source: `${SPEC}, INV; Linux drivers/irqchip/irq-gic-v3-its.c (lpi_update_config)`,
    topic: 'ITS',
  },
  {
    term: 'INVALL',
    short:
      'INVALL is the ITS command that makes the redistributor of a collection reload the configuration of all its LPIs from the property table.',
    more: 'It is the bulk form of INV, named by an ICID rather than an event. Linux sends it when it sets up each CPU’s collection. KVM rereads the configuration of every LPI targeting the collection’s vCPU, and QEMU rescans every redistributor.',
    see: ['INV', 'property table', 'collection', 'VINVALL'],
    source: `${SPEC}, INVALL; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'SYNC',
    short:
      'SYNC is the ITS command that completes only once the effects of all earlier commands on one redistributor (RDbase) are complete.',
    more: 'Commands are asynchronous, so a driver that needs a mapping to be live before its device may use it queues a SYNC and polls GITS_CREADR until it has passed. Linux follows most commands that affect a redistributor with one. In KVM and QEMU every command has taken effect when the next is read, so SYNC does nothing.',
    see: ['command queue', 'GITS_CREADR', 'VSYNC'],
    source: `${SPEC}, SYNC; Linux drivers/irqchip/irq-gic-v3-its.c`,
    topic: 'ITS',
  },
  {
    term: 'INT',
    short:
      'INT is the ITS command that makes an event’s LPI pending, as if the device had written its EventID to GITS_TRANSLATER.',
    more: 'It lets software raise a device’s interrupt without the device, for tests or to replay an interrupt. It needs the event and its collection to be mapped. For an LPI that KVM has forwarded, the guest’s INT becomes an INT on the host ITS, which makes the vLPI pending in hardware.',
    see: ['CLEAR', 'GITS_TRANSLATER', 'pending state'],
    source: `${SPEC}, INT; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'CLEAR',
    short: 'CLEAR is the ITS command that clears the pending state of an event’s LPI.',
    more: 'It is INT’s opposite, named by DeviceID and EventID. For an LPI that KVM has forwarded with GICv4, KVM clears its own latch and sends CLEAR on the host ITS so that the bit in the virtual pending table is cleared too. In lesson 4.8, CLEAR on the doorbell proxy device is also how Linux drops a stale doorbell without DirectLPI.',
    see: ['INT', 'pending state', 'doorbell proxy device'],
    source: `${SPEC}, CLEAR`,
    topic: 'ITS',
  },
  {
    term: 'property table',
    aliases: [
      'property tables',
      'LPI property table',
      'LPI configuration table',
      'GICR_PROPBASER',
      'PROPBASER',
    ],
    short:
      'The LPI property table is the table in memory, located by GICR_PROPBASER, that holds one configuration byte per LPI.',
    more: 'The byte of LPI n is at the table’s base + (n - 8192): bits [7:2] are the priority, bit 1 is RES1 (Linux calls it LPI_PROP_GROUP1) and bit 0 is Enable; Linux fills it with 0xA2, priority 0xA0 and disabled. GICR_PROPBASER.IDbits gives the number of INTID bits minus one. Redistributors may cache the bytes, so software invalidates after a change (INV, INVALL, GICR_INVLPIR), and it programs GICR_PROPBASER before setting EnableLPIs; KVM keeps one for the whole VM.',
    see: ['LPI', 'INV', 'pending table', 'EnableLPIs', 'vLPI property table'],
    source: `${SPEC}, GICR_PROPBASER and the LPI configuration tables; arch/arm64/kvm/vgic/vgic-its.c`,
    topic: 'ITS',
  },
  {
    term: 'pending table',
    aliases: ['pending tables', 'LPI pending table', 'GICR_PENDBASER', 'PENDBASER'],
    short:
      'An LPI pending table is the table in memory, one per redistributor and located by GICR_PENDBASER, that holds one pending bit per INTID.',
    more: 'Bit n of the table is INTID n; the first 1 KiB, for INTIDs below 8192, is left to the implementation. It must be 64 KiB aligned, and PENDBASER.PTZ = 1 tells the GIC it is all zeros. KVM holds an LPI’s pending state in its vgic_irq and reads or writes the guest’s table only when an LPI is created, when LPIs are enabled, or when userspace saves the pending tables.',
    see: ['LPI', 'property table', 'EnableLPIs', 'VPT'],
    source: `${SPEC}, GICR_PENDBASER; Documentation/virt/kvm/devices/arm-vgic-v3.rst`,
    topic: 'ITS',
  },
  {
    term: 'EnableLPIs',
    aliases: ['GICR_CTLR.EnableLPIs'],
    short:
      'GICR_CTLR.EnableLPIs is the redistributor bit that turns on LPI handling with the tables given in GICR_PROPBASER and GICR_PENDBASER.',
    more: 'From the moment it is set the redistributor owns those tables and may cache them, so changing GICR_PROPBASER or GICR_PENDBASER afterwards is unpredictable; KVM ignores such writes. A redistributor with LPIs disabled does not receive LPIs, and KVM’s vITS refuses to inject into such a vCPU. When a guest clears it, KVM also empties its vITSs’ translation caches.',
    see: ['property table', 'pending table', 'redistributor'],
    source: `${SPEC}, GICR_CTLR; arch/arm64/kvm/vgic/vgic-mmio-v3.c`,
    topic: 'ITS',
  },
  {
    term: 'GICR_INVLPIR',
    aliases: ['GICR_INVALLR', 'GICR_SYNCR'],
    short:
      'GICR_INVLPIR is a redistributor register to which software writes an INTID to make the redistributor reload that LPI’s configuration, without going through an ITS.',
    more: 'GICR_INVALLR does the same for all LPIs, and software polls GICR_SYNCR until Busy reads 0 to know the invalidation is done. A redistributor advertises them with GICR_TYPER.DirectLPI or, in later revisions, GICR_CTLR.IR; KVM implements them and recent Linux kernels prefer them to INV. With their V bit and a vPEID, GICv4.1 uses them for vLPIs too.',
    see: ['INV', 'INVALL', 'DirectLPI', 'property table'],
    source: `${SPEC}, GICR_INVLPIR; Linux drivers/irqchip/irq-gic-v3-its.c (direct_lpi_inv)`,
    topic: 'ITS',
  },
  {
    term: 'GICR_CLRLPIR',
    aliases: ['GICR_SETLPIR'],
    short:
      'GICR_CLRLPIR is a redistributor register to which software writes an INTID to clear that LPI’s pending state directly.',
    more: 'GICR_SETLPIR makes an LPI pending the same way. Both belong to the direct LPI interface that GICR_TYPER.DirectLPI advertises. On GICv4.0 Linux writes GICR_CLRLPIR to drop a vPE doorbell that may have rung while the vPE was away; without DirectLPI it needs an ITS CLEAR through the doorbell proxy device instead.',
    see: ['DirectLPI', 'doorbell', 'doorbell proxy device', 'residency'],
    source: `${SPEC}, GICR_CLRLPIR; Linux drivers/irqchip/irq-gic-v3-its.c`,
    topic: 'ITS',
  },
  {
    term: 'DirectLPI',
    aliases: ['GICR_TYPER.DirectLPI'],
    short:
      'DirectLPI, bit 3 of GICR_TYPER, says a redistributor implements the direct LPI registers, with which software sets, clears or invalidates one LPI without an ITS command.',
    more: 'The registers are GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR, GICR_INVALLR and GICR_SYNCR. Linux uses them for GICv4.0 doorbells: one register write each to mask, unmask or clear. Without DirectLPI (QEMU’s GICv4.0) it must use ITS commands through the doorbell proxy device; Linux treats a GICv4.1 redistributor (RVPEID) as offering them.',
    see: ['GICR_INVLPIR', 'GICR_CLRLPIR', 'doorbell proxy device'],
    source: `${SPEC}, GICR_TYPER; Linux drivers/irqchip/irq-gic-v3.c (has_direct_lpi)`,
    topic: 'ITS',
  },
  {
    term: 'pINTID',
    short:
      'pINTID is the name ITS commands and list registers give a physical INTID, as opposed to a virtual one.',
    more: 'In MAPTI it is the LPI an event becomes; MAPTI rejects a pINTID below 8192 or beyond the property table. In a list register with the HW bit set, it is the physical interrupt that the guest’s deactivation also deactivates. In VMAPTI the doorbell is a pINTID too (Dbell_pINTID).',
    see: ['MAPTI', 'vINTID', 'HW bit'],
    source: `${SPEC}, MAPTI and ICH_LRn_EL2`,
    topic: 'ITS',
  },
  {
    term: 'GICv2m',
    aliases: ['MSI_SETSPI_NS', 'GICv2m frame'],
    short:
      'GICv2m is an Arm extension that gives a GIC without an ITS MSIs by turning a write of an SPI number to an MSI frame into that SPI.',
    more: 'A device writes the INTID of an SPI to the frame’s MSI_SETSPI_NS register (offset 0x40), and MSI_TYPER says which SPIs the frame serves. The frame cannot tell which device wrote, so any device that can reach it can raise any of its SPIs. That is why Linux does not treat such MSIs as isolated, and why VFIO refuses to assign a device behind one unless unsafe interrupts are allowed; the ITS’s DeviceID gives that isolation.',
    see: ['MSI', 'SPI', 'ITS', 'DeviceID', 'VFIO'],
    source: 'Arm Server Base System Architecture (GICv2m); Linux drivers/irqchip/irq-gic-v2m.c',
    topic: 'ITS',
  },

  // ---------------------------------------------------------------------------------------------
  // KVM: the vGIC, list registers, the vITS, and how userspace raises interrupts
  // ---------------------------------------------------------------------------------------------
  {
    term: 'KVM',
    short:
      'KVM is the hypervisor built into the Linux kernel, which runs virtual machines for a userspace VMM such as QEMU.',
    more: 'On arm64 it runs each vCPU as a host thread that enters the guest with the KVM_RUN ioctl, and it emulates the guest’s GIC in the kernel (the vGIC). The VMM creates the VM, its memory and devices through ioctls on /dev/kvm and raises the guest’s interrupts with KVM_IRQ_LINE, KVM_SIGNAL_MSI or irqfds.',
    see: ['vGIC', 'vCPU', 'VMM', 'QEMU'],
    source: 'Linux Documentation/virt/kvm/api.rst; arch/arm64/kvm/',
    topic: 'KVM',
  },
  {
    term: 'QEMU',
    short:
      'QEMU is the open-source machine emulator and VMM used in these lessons both as KVM’s userspace and as a pure software model of the GIC and its ITS.',
    more: 'With KVM it creates the VM, emulates its devices and wires their interrupts into KVM’s vGIC. Without KVM (TCG) it emulates the whole GICv3 or GICv4.0, ITS included, whose behaviour the lessons’ qemu profile follows. Its virt board places the GIC distributor at 0x0800_0000 and the ITS at 0x0808_0000.',
    see: ['VMM', 'KVM', 'ITS'],
    source: 'QEMU hw/intc/arm_gicv3*.c, hw/arm/virt.c',
    topic: 'KVM',
  },
  {
    term: 'VMM',
    aliases: ['VMMs', 'virtual machine monitor'],
    short:
      'The VMM, virtual machine monitor, is the userspace process (such as QEMU) that creates a VM through KVM and emulates its devices.',
    more: 'It decides which interrupts the guest’s devices raise: it calls KVM_IRQ_LINE for a wired interrupt, KVM_SIGNAL_MSI for an MSI, or sets up GSI routes and irqfds so that other threads or the kernel can inject without it. For a passed-through device it connects VFIO’s eventfds to KVM’s irqfds. Errors from these calls go to the VMM; the guest never learns of them.',
    see: ['KVM', 'KVM_IRQ_LINE', 'KVM_SIGNAL_MSI', 'irqfd'],
    source: 'Linux Documentation/virt/kvm/api.rst',
    topic: 'KVM',
  },
  {
    term: 'vGIC',
    aliases: ['vgic', 'virtual GIC', 'in-kernel GIC'],
    short: 'The vGIC is KVM’s in-kernel emulation of a GIC for a guest.',
    more: 'KVM emulates the guest’s distributor and redistributors (their MMIO accesses trap) and keeps each interrupt’s state in a vgic_irq; it delivers interrupts through the hardware’s list registers and virtual CPU interface, so the guest acknowledges and ends them without exits. A VMM creates it as a KVM device (KVM_DEV_TYPE_ARM_VGIC_V3) and may add a vITS. Its code is in arch/arm64/kvm/vgic/.',
    see: ['vgic_irq', 'list register', 'virtual CPU interface', 'vITS'],
    source: 'Linux arch/arm64/kvm/vgic/; Documentation/virt/kvm/devices/arm-vgic-v3.rst',
    topic: 'KVM',
  },
  {
    term: 'vCPU',
    aliases: ['vCPUs', 'virtual CPU'],
    short:
      'A vCPU is one virtual CPU of a VM, run by KVM as a host thread that enters the guest through the KVM_RUN ioctl.',
    more: 'To the guest it is a PE with its own redistributor and CPU interface, emulated by the vGIC. The host schedules its thread like any other, so it may run on any pCPU, be preempted or block in WFI. With GICv4 each vCPU also has a vPE.',
    see: ['pCPU', 'vPE', 'vcpu_load', 'WFI'],
    source: 'Linux Documentation/virt/kvm/api.rst (KVM_CREATE_VCPU, KVM_RUN)',
    topic: 'KVM',
  },
  {
    term: 'pCPU',
    aliases: ['pCPUs', 'physical CPU'],
    short: 'A pCPU is a physical CPU of the host, the word used to tell it from a guest’s vCPU.',
    more: 'A vCPU runs on one pCPU at a time, and uses that pCPU’s list registers, virtual CPU interface and, with GICv4, its redistributor for vLPIs. When the host moves a vCPU thread to another pCPU, KVM must move that state with it.',
    see: ['vCPU', 'PE', 'residency'],
    topic: 'KVM',
  },
  {
    term: 'VM exit',
    aliases: ['exit', 'exits', 'exited', 'VM exits'],
    short:
      'A VM exit is the moment a vCPU stops running guest code and returns to KVM on the host, through a world switch.',
    more: 'A guest exits when it does something KVM must emulate (an access to its distributor, a GITS_CWRITER write, a trapped WFI) or when a physical interrupt arrives, such as a kick or a maintenance interrupt. At each exit KVM folds the list registers back into its vgic_irq state. Exits are costly, so much of the vGIC’s design, and GICv4, exists to avoid them.',
    see: ['world switch', 'fold', 'kick', 'maintenance interrupt'],
    source: 'Linux arch/arm64/kvm/arm.c (kvm_arch_vcpu_ioctl_run)',
    topic: 'KVM',
  },
  {
    term: 'world switch',
    aliases: ['world switches'],
    short:
      'The world switch is the save of one context and the load of another when a pCPU goes from running the host to running a guest, or back.',
    more: 'It saves and restores the guest’s registers, including its GIC CPU interface state (list registers, ICH_VMCR_EL2, active priorities). In the lessons’ cost model the two world switches of an exit and re-entry are about half of a software-injected interrupt’s delay. GICv4 direct injection removes them from the interrupt’s path.',
    see: ['VM exit', 'list register', 'direct injection'],
    source: 'Linux arch/arm64/kvm/hyp/',
    topic: 'KVM',
  },
  {
    term: 'WFI',
    short:
      'WFI, wait for interrupt, is the instruction an idle guest executes, which KVM traps to put the vCPU thread to sleep.',
    more: 'KVM normally traps it (HCR_EL2.TWI) and blocks the vCPU until kvm_vgic_vcpu_pending_irq reports something the guest could take: an interrupt pending, enabled, not active and with a priority value below the guest’s priority mask. A kick wakes it. With GICv4, a blocked vCPU’s vPE is made non-resident with a doorbell requested, so that a vLPI can wake it.',
    see: ['kick', 'doorbell', 'residency', 'vCPU'],
    source: 'Linux arch/arm64/kvm/arm.c; arch/arm64/kvm/vgic/vgic.c (kvm_vgic_vcpu_pending_irq)',
    topic: 'KVM',
  },
  {
    term: 'kick',
    aliases: ['kicks', 'kicked', 'kvm_vcpu_kick', 'KVM_REQ_IRQ_PENDING'],
    short:
      'A kick is KVM making a vCPU notice new work: it wakes the vCPU if it is blocked, or forces it out of the guest if it is running.',
    more: 'When KVM queues an interrupt for a vCPU it sets the request KVM_REQ_IRQ_PENDING and calls kvm_vcpu_kick. A vCPU running on another pCPU receives a reschedule IPI, a physical interrupt, which makes it exit so the run loop can load the new interrupt into a list register. That exit is the price GICv4 direct injection avoids.',
    see: ['VM exit', 'IPI', 'ap_list', 'WFI'],
    source: 'Linux virt/kvm/kvm_main.c (kvm_vcpu_kick); arch/arm64/kvm/vgic/vgic.c',
    topic: 'KVM',
  },
  {
    term: 'vcpu_load',
    aliases: ['vcpu_put'],
    short:
      'vcpu_load and vcpu_put are KVM’s hooks run when a vCPU thread is scheduled onto a pCPU and off it again.',
    more: 'They run at each KVM_RUN and each time the host scheduler moves or preempts the thread, not at every exit: an exit handled inside the kernel keeps the vCPU loaded. With GICv4, vcpu_load makes the vCPU’s vPE resident on the pCPU’s redistributor (vgic_v4_load) and vcpu_put makes it non-resident (vgic_v4_put).',
    see: ['residency', 'vCPU', 'pCPU'],
    source: 'Linux virt/kvm/kvm_main.c; arch/arm64/kvm/arm.c (kvm_arch_vcpu_load, kvm_arch_vcpu_put)',
    topic: 'KVM',
  },
  {
    term: 'vgic_irq',
    short:
      'struct vgic_irq is KVM’s record of one guest interrupt: its configuration, its state and where it should go.',
    more: 'It holds the INTID, enable, priority, group, trigger mode, pending_latch, line_level, active, the target vCPU and the vCPU whose ap_list holds it, and for interrupts backed by hardware the hw flag and host INTID. Each vCPU has its own for INTIDs 0 to 31, the VM has one per SPI, and LPIs are created by MAPTI and reference-counted. The guest’s registers and ITS commands change these structures, not any hardware.',
    see: ['pending_latch', 'line_level', 'ap_list', 'vGIC'],
    source: 'Linux include/kvm/arm_vgic.h',
    topic: 'KVM',
  },
  {
    term: 'pending_latch',
    short:
      'pending_latch is the field of a vgic_irq that holds a latched pending state: an edge, an injected MSI, or a pending bit set by software.',
    more: 'An edge-triggered interrupt is pending when pending_latch is set; a level-sensitive one when pending_latch or line_level is. When KVM puts an edge interrupt into a list register it clears pending_latch, and at the next exit it sets it again if the guest has not taken it. For a forwarded vLPI the pending state lives in the hardware instead.',
    see: ['vgic_irq', 'line_level', 'edge-triggered', 'fold'],
    source: 'Linux include/kvm/arm_vgic.h; arch/arm64/kvm/vgic/vgic.h (irq_is_pending)',
    topic: 'KVM',
  },
  {
    term: 'line_level',
    short:
      'line_level is the field of a vgic_irq that holds the input level of a level-sensitive interrupt, as last set by the VMM or an in-kernel device.',
    more: 'A VMM sets it with KVM_IRQ_LINE level 1 and clears it with level 0; the interrupt is pending for as long as it is set. Because KVM marks such an interrupt’s list register with the EOI bit, it hears when the guest has ended it and can look at the level again.',
    see: ['level-sensitive', 'pending_latch', 'KVM_IRQ_LINE', 'maintenance interrupt'],
    source: 'Linux include/kvm/arm_vgic.h; arch/arm64/kvm/vgic/vgic.c (kvm_vgic_inject_irq)',
    topic: 'KVM',
  },
  {
    term: 'ap_list',
    aliases: ['ap_lists'],
    short:
      'The ap_list is KVM’s per-vCPU list of the interrupts that are pending or active for that vCPU and must be considered for its list registers.',
    more: 'Queuing an interrupt appends its vgic_irq to the tail of its target vCPU’s ap_list and kicks that vCPU. Before each guest entry KVM copies the list into the list registers; if there are more entries than list registers it first sorts it, active interrupts first and then pending ones by priority. After the exit it prunes entries that are neither pending nor active.',
    see: ['vgic_irq', 'list register', 'flush', 'prune'],
    source: 'Linux arch/arm64/kvm/vgic/vgic.c (vgic_queue_irq_unlock, vgic_sort_ap_list)',
    topic: 'KVM',
  },
  {
    term: 'list register',
    aliases: ['list registers', 'LR', 'LRs', 'ICH_LR0_EL2'],
    short:
      'A list register (ICH_LR0_EL2 to ICH_LR15_EL2) is a hypervisor register that presents one virtual interrupt to the guest running on this PE.',
    more: 'Each holds a vINTID, a priority, a group, a state (pending, active, or both) and, with the HW bit, a physical INTID to deactivate with it. The guest acknowledges and ends interrupts in list registers through its virtual CPU interface without exits. A CPU has few of them (ICH_VTR_EL2.ListRegs + 1, often 4), so KVM fills them from the ap_list at each entry and reads them back at each exit.',
    see: ['ap_list', 'virtual CPU interface', 'HW bit', 'flush', 'fold'],
    source: `${SPEC}, ICH_LRn_EL2; arch/arm64/kvm/vgic/vgic-v3.c (vgic_v3_populate_lr)`,
    topic: 'KVM',
  },
  {
    term: 'virtual CPU interface',
    aliases: ['ICV_IAR1_EL1', 'ICV_EOIR1_EL1', 'ICV_PMR_EL1', 'ICH_VMCR_EL2'],
    short:
      'The virtual CPU interface is the part of a GICv3 CPU interface that a guest uses as if it were the real one: its ICC_* accesses reach ICV_* registers instead.',
    more: 'When the hypervisor routes IRQs to EL2 (HCR_EL2.IMO), a guest’s reads of ICC_IAR1_EL1 and writes of ICC_EOIR1_EL1 or ICC_PMR_EL1 go to ICV_IAR1_EL1, ICV_EOIR1_EL1 and ICV_PMR_EL1, which hardware implements on top of the list registers and ICH_VMCR_EL2. So acknowledging, ending and masking cost the guest no exit. With GICv4 it also presents vLPIs directly from the redistributor.',
    see: ['list register', 'CPU interface', 'maintenance interrupt'],
    source: `${SPEC}, virtual interrupt handling and the ICV and ICH registers`,
    topic: 'KVM',
  },
  {
    term: 'HW bit',
    aliases: ['HW', 'hw', 'hardware-mapped interrupt'],
    short:
      'The HW bit of a list register links the virtual interrupt to a physical one, so that the guest’s deactivation also deactivates the physical interrupt.',
    more: 'KVM uses it for interrupts backed by hardware, such as the virtual timer: the host leaves the physical interrupt active (EOImode 1) until the guest has handled its virtual copy. In KVM’s vgic_irq the hw flag marks any such interrupt, including a vLPI forwarded with GICv4 and a GICv4.1 vSGI, whose state lives in the hardware rather than in KVM.',
    see: ['list register', 'deactivate', 'EOImode', 'direct injection'],
    source: `${SPEC}, ICH_LRn_EL2; include/kvm/arm_vgic.h`,
    topic: 'KVM',
  },
  {
    term: 'flush',
    aliases: ['kvm_vgic_flush_hwstate', 'vgic_flush_lr_state'],
    short:
      'The flush is KVM’s step before each guest entry that copies interrupts from the vCPU’s ap_list into its list registers.',
    more: 'kvm_vgic_flush_hwstate sorts the ap_list if it holds more interrupts than there are list registers, writes one list register per interrupt in order, and sets ICH_HCR_EL2.UIE if some are left out. An edge interrupt’s pending state moves into its list register. KVM does not look at the guest’s priority mask here; the CPU interface does.',
    see: ['ap_list', 'list register', 'fold', 'underflow'],
    source: 'Linux arch/arm64/kvm/vgic/vgic.c (vgic_flush_lr_state)',
    topic: 'KVM',
  },
  {
    term: 'fold',
    aliases: ['vgic_v3_fold_lr_state', 'kvm_vgic_sync_hwstate'],
    short:
      'The fold is KVM’s step after each exit that reads the list registers back into its vgic_irq state.',
    more: 'vgic_v3_fold_lr_state copies each list register’s active state back, sets pending_latch again for an edge interrupt the guest has not taken, and for a level-triggered SPI the guest has ended notifies irqfd resamplers. It happens at every exit, whatever caused it, and is followed by the prune.',
    see: ['flush', 'prune', 'list register', 'pending_latch'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-v3.c (vgic_v3_fold_lr_state)',
    topic: 'KVM',
  },
  {
    term: 'prune',
    aliases: ['pruned', 'vgic_prune_ap_list'],
    short:
      'The prune is KVM’s step after the fold that removes from a vCPU’s ap_list the interrupts it no longer needs to hold.',
    more: 'vgic_prune_ap_list asks, for each entry, where the interrupt should now go: nowhere (neither pending nor active) removes it, and another vCPU moves it to that vCPU’s list and kicks it. Lowering a level interrupt’s line takes effect on the ap_list only here.',
    see: ['ap_list', 'fold', 'flush'],
    source: 'Linux arch/arm64/kvm/vgic/vgic.c (vgic_prune_ap_list)',
    topic: 'KVM',
  },
  {
    term: 'maintenance interrupt',
    aliases: ['maintenance interrupts', 'EOI maintenance interrupt', 'ICH_MISR_EL2', 'ICH_MISR_EL2.EOI'],
    short:
      'The maintenance interrupt is a physical PPI the virtual CPU interface raises to tell the hypervisor that the list registers need attention.',
    more: 'ICH_HCR_EL2 enables its conditions and ICH_MISR_EL2 reports which one fired: EOI (a list register with its EOI bit set was ended), U (underflow), NP (no list register pending) and others. KVM sets an EOI bit for level-sensitive interrupts and uses underflow when interrupts are left out of the list registers. Its handler does nothing: the exit it causes is the point, so KVM can refill the list registers. It is usually PPI 25.',
    see: ['underflow', 'ICH_HCR_EL2', 'list register', 'VM exit'],
    source: `${SPEC}, ICH_MISR_EL2; arch/arm64/kvm/vgic/vgic-init.c`,
    topic: 'KVM',
  },
  {
    term: 'underflow',
    aliases: ['UIE', 'ICH_HCR_EL2.UIE', 'ICH_MISR_EL2.U', 'underflow maintenance interrupt'],
    short:
      'Underflow is the maintenance interrupt condition, enabled by ICH_HCR_EL2.UIE, that fires when at most one list register still holds a valid interrupt.',
    more: 'KVM enables it when a vCPU’s ap_list holds more interrupts than there are list registers. When the guest has taken all but one, the maintenance interrupt makes it exit, and the next entry loads the waiting interrupts. Each refill costs an extra exit.',
    see: ['maintenance interrupt', 'ICH_HCR_EL2', 'ap_list', 'flush'],
    source: `${SPEC}, ICH_HCR_EL2; arch/arm64/kvm/vgic/vgic.c`,
    topic: 'KVM',
  },
  {
    term: 'ICH_HCR_EL2',
    short:
      'ICH_HCR_EL2 is the hypervisor control register of the virtual CPU interface, which enables it and chooses which maintenance interrupts fire.',
    more: 'En (bit 0) enables the virtual CPU interface; UIE, LRENPIE, NPIE and the group enable and disable bits enable maintenance interrupt conditions; TDIR and others trap guest accesses; EOIcount [31:27] counts EOIs of interrupts not in a list register. KVM writes it at every guest entry, usually as just En.',
    see: ['maintenance interrupt', 'underflow', 'list register'],
    source: `${SPEC}, ICH_HCR_EL2; arch/arm64/kvm/vgic/vgic-v3.c`,
    topic: 'KVM',
  },
  {
    term: 'vITS',
    aliases: ['vITSs', 'virtual ITS'],
    short: 'A vITS is KVM’s software emulation of an ITS for a guest.',
    more: 'The guest programs it like a real one, with tables and a command queue in its own RAM; KVM executes the commands when the guest writes GITS_CWRITER but keeps the mappings in kernel lists, using the guest’s tables only to save and restore them. MSIs reach it from the VMM through KVM_SIGNAL_MSI or an irqfd with an MSI route, and it turns them into LPIs queued like any other vgic_irq. It never stalls, reports GITS_TYPER.PTA = 0, and offers the guest no GICv4.',
    see: ['ITS', 'translation cache', 'KVM_SIGNAL_MSI', 'irqfd'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-its.c; Documentation/virt/kvm/devices/arm-vgic-its.rst',
    topic: 'KVM',
  },
  {
    term: 'translation cache',
    aliases: ['translation caches'],
    short:
      'A translation cache remembers recent (DeviceID, EventID) translations so that an ITS need not walk its tables for every MSI.',
    more: 'Hardware ITSs cache translations, which is why software must tell them about every change with commands. KVM’s vITS caches (DeviceID, EventID) to vgic_irq in a per-ITS xarray, which lets an irqfd inject from atomic context without a work item. KVM empties it on DISCARD, MOVI, MOVALL, a MAPD of a mapped device, MAPC V=0, and when the ITS or a vCPU’s LPIs are disabled; it never caches forwarded LPIs.',
    see: ['vITS', 'irqfd', 'DISCARD'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-its.c (vgic_its_inject_cached_translation)',
    topic: 'KVM',
  },
  {
    term: 'KVM_IRQ_LINE',
    short: 'KVM_IRQ_LINE is the VM ioctl a VMM uses to raise or lower a guest SPI or PPI.',
    more: 'On arm64 its irq word is not a GSI but fields: vcpu2_index [31:28], irq_type [27:24] (1 SPI, 2 PPI), vcpu_index [23:16] and irq_id [15:0]. For an SPI the vCPU fields are ignored, since the guest routes SPIs, and a PPI names its vCPU. For an edge interrupt only level 1 has an effect; for a level interrupt, 1 and 0 raise and lower the line.',
    see: ['SPI', 'PPI', 'line_level', 'VMM'],
    source:
      'Linux Documentation/virt/kvm/api.rst (KVM_IRQ_LINE); arch/arm64/kvm/arm.c (kvm_vm_ioctl_irq_line)',
    topic: 'KVM',
  },
  {
    term: 'KVM_SIGNAL_MSI',
    short:
      'KVM_SIGNAL_MSI is the VM ioctl a VMM uses to send an MSI to a guest: an address, data and, on arm64, the DeviceID of the writer.',
    more: 'The address selects the vITS, the data is the EventID, and the devid field (with the KVM_MSI_VALID_DEVID flag) the DeviceID. KVM translates it through the vITS and queues the LPI. It returns 1 if the MSI was delivered, 0 if the guest’s mappings blocked it, and a negative error otherwise.',
    see: ['vITS', 'KVM_MSI_VALID_DEVID', 'MSI', 'GSI routing'],
    source:
      'Linux Documentation/virt/kvm/api.rst (KVM_SIGNAL_MSI); arch/arm64/kvm/vgic/vgic-its.c (vgic_its_inject_msi)',
    topic: 'KVM',
  },
  {
    term: 'KVM_MSI_VALID_DEVID',
    aliases: ['KVM_CAP_MSI_DEVID'],
    short:
      'KVM_MSI_VALID_DEVID is the flag that says an MSI given to KVM carries a valid devid, the DeviceID of the device that wrote it.',
    more: 'A real ITS learns the DeviceID from the bus, but a vITS can only learn it from the VMM. So on arm64 with a vITS an MSI without it, from KVM_SIGNAL_MSI or from an MSI route when the route fires, is refused with -EINVAL. The capability KVM_CAP_MSI_DEVID tells the VMM that the VM requires it.',
    see: ['KVM_SIGNAL_MSI', 'GSI routing', 'DeviceID', 'vITS'],
    source: 'Linux Documentation/virt/kvm/api.rst (KVM_CAP_MSI_DEVID)',
    topic: 'KVM',
  },
  {
    term: 'GSI',
    aliases: ['GSIs'],
    short:
      'A GSI is the number by which KVM names an interrupt source in its routing table, the input an irqfd is bound to.',
    more: 'On arm64 a GSI means nothing until the VM’s routing table maps it: to an SPI (irqchip 0, pin n is SPI n + 32) or to an MSI. The default table maps GSI n to pin n for every SPI of the VM. KVM_IRQ_LINE does not use GSIs.',
    see: ['GSI routing', 'irqfd', 'SPI'],
    source: 'Linux Documentation/virt/kvm/api.rst (KVM_SET_GSI_ROUTING)',
    topic: 'KVM',
  },
  {
    term: 'GSI routing',
    aliases: ['KVM_SET_GSI_ROUTING', 'routing table', 'GSI routing table', 'MSI route', 'MSI routes'],
    short:
      'GSI routing is the VM’s table, installed with KVM_SET_GSI_ROUTING, that says what each GSI injects.',
    more: 'On arm64 an entry is either KVM_IRQ_ROUTING_IRQCHIP (a pin, SPI pin + 32) or KVM_IRQ_ROUTING_MSI (address, data and devid, for the vITS); other types are refused. Each call replaces the whole table, which is why a VMM resends every route when it changes one. An entry that is valid but cannot be delivered fails only when it fires, silently.',
    see: ['GSI', 'irqfd', 'KVM_SIGNAL_MSI', 'KVM_MSI_VALID_DEVID'],
    source: 'Linux Documentation/virt/kvm/api.rst (KVM_SET_GSI_ROUTING); arch/arm64/kvm/vgic/vgic-irqfd.c',
    topic: 'KVM',
  },
  {
    term: 'irqfd',
    aliases: ['irqfds', 'KVM_IRQFD'],
    short:
      'An irqfd is an eventfd bound to a GSI with KVM_IRQFD, so that signalling the eventfd injects that GSI into the guest.',
    more: 'KVM hangs its irqfd_wakeup on the eventfd, and each signal injects the GSI through the routing table, without a system call from the VMM. With an MSI route it first tries the vITS’s translation cache in atomic context, and on a miss defers the injection to a work item. With the resample flag it also tells userspace, through a second eventfd, when a level-triggered SPI has been ended.',
    see: ['eventfd', 'GSI routing', 'VFIO', 'irq bypass'],
    source: 'Linux virt/kvm/eventfd.c; Documentation/virt/kvm/api.rst (KVM_IRQFD)',
    topic: 'KVM',
  },
  {
    term: 'eventfd',
    aliases: ['eventfds'],
    short:
      'An eventfd is a Linux file descriptor holding a counter, which one party signals and another waits on.',
    more: 'Userspace signals it with write() and the kernel with eventfd_signal, and anything waiting on it is woken. KVM’s irqfd waits on one, and VFIO signals one from a device’s interrupt handler. One eventfd drives at most one irqfd in a VM.',
    see: ['irqfd', 'VFIO', 'irq bypass'],
    source: 'Linux fs/eventfd.c; man eventfd(2)',
    topic: 'KVM',
  },
  {
    term: 'VFIO',
    aliases: ['vfio-pci', 'VFIO_DEVICE_SET_IRQS', 'vfio_msihandler'],
    short:
      'VFIO is the Linux framework that gives a userspace process, typically a VMM, safe direct access to a device, for passing it through to a guest.',
    more: 'The IOMMU confines the device’s DMA to the guest’s memory. Its interrupts stay host interrupts: with VFIO_DEVICE_SET_IRQS the VMM gives an eventfd per MSI vector, and the host handler vfio_msihandler signals it, which an irqfd then turns into a guest interrupt. With GICv4, VFIO and the irqfd meet in the irq bypass manager and KVM can map the vector straight to a vLPI.',
    see: ['eventfd', 'irqfd', 'irq bypass', 'direct injection'],
    source: 'Linux Documentation/driver-api/vfio.rst; drivers/vfio/pci/vfio_pci_intrs.c',
    topic: 'KVM',
  },
  {
    term: 'irq bypass',
    aliases: ['irq-bypass', 'irqbypass'],
    short:
      'irq bypass is the Linux mechanism that pairs an interrupt producer, such as a VFIO vector, with a consumer, such as a KVM irqfd, when they share an eventfd.',
    more: 'Both sides register with the manager using the eventfd as the key, and when both are present it calls them so that the consumer can set up a hardware shortcut. On arm64 the callback is kvm_arch_irq_bypass_add_producer, which tries GICv4 forwarding; if that fails the software path stays. Forwarding is decided only at this pairing, so a later guest remapping is not followed.',
    see: ['VFIO', 'irqfd', 'direct injection'],
    source: 'Linux virt/lib/irqbypass.c; arch/arm64/kvm/arm.c',
    topic: 'KVM',
  },

  // ---------------------------------------------------------------------------------------------
  // GICv4 and GICv4.1: direct injection of virtual interrupts
  // ---------------------------------------------------------------------------------------------
  {
    term: 'GICv4',
    aliases: ['GICv4.0'],
    short:
      'GICv4 is the GIC version that adds direct injection: the ITS can turn a device’s MSI into a virtual LPI delivered to a running vCPU without the hypervisor.',
    more: 'It adds vPEs, virtual ITEs that map events to vLPIs (VMAPTI), a vPE table, per-vPE virtual pending tables, GICR_VPROPBASER and GICR_VPENDBASER for residency, and doorbells for vPEs that are not running. KVM uses it on the host only: a guest’s vITS never offers GICv4, and the guest cannot tell its interrupts take the direct path. GICv4.1 revised the design.',
    see: ['direct injection', 'vLPI', 'vPE', 'GICv4.1'],
    source: `${SPEC}, the parts on GICv4 and virtual LPIs; Linux drivers/irqchip/irq-gic-v4.c, arch/arm64/kvm/vgic/vgic-v4.c`,
    topic: 'GICv4',
  },
  {
    term: 'GICv4.1',
    short:
      'GICv4.1 is the revision of GICv4 that names resident vPEs by vPEID, gives each vPE a default doorbell managed by the GIC, and adds direct injection of virtual SGIs.',
    more: 'GICR_VPENDBASER holds a vPEID, group enables and a DB bit instead of a VPT address; the redistributors share the vPE configuration set up by VMAPP, which also carries the vLPI property table address (VCONF_addr). A doorbell rings at most once per deschedule, so KVM no longer masks, unmasks or clears it. INVDB and VSGI are new commands, and GICR_INVLPIR and GICR_INVALLR take a vPEID.',
    see: ['GICv4', 'default doorbell', 'vSGI', 'INVDB', 'GICR_VPENDBASER'],
    source: `${SPEC}; Linux drivers/irqchip/irq-gic-v3-its.c (the its_vpe_4_1 functions)`,
    topic: 'GICv4',
  },
  {
    term: 'direct injection',
    aliases: ['forwarding', 'kvm_vgic_v4_set_forwarding', 'its_map_vlpi'],
    short:
      'Direct injection is GICv4’s delivery of a device’s MSI straight to a guest as a vLPI, with no host interrupt, no KVM code and no exit.',
    more: 'When VFIO and an irqfd pair up, KVM resolves the guest’s MSI through its vITS and asks the host ITS driver (its_map_vlpi) to replace the host LPI with a vLPI: a DISCARD and a VMAPTI on the host ITS. KVM marks the vgic_irq hw, and from then on must mirror every guest command about that LPI onto the host ITS. If anything fails, it quietly keeps the software path.',
    see: ['vLPI', 'irq bypass', 'VMAPTI', 'GICv4'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-v4.c (kvm_vgic_v4_set_forwarding)',
    topic: 'GICv4',
  },
  {
    term: 'vLPI',
    aliases: ['vLPIs', 'virtual LPI'],
    short:
      'A vLPI is a virtual LPI that GICv4 hardware delivers to a vPE, recorded in the vPE’s virtual pending table and presented through the virtual CPU interface.',
    more: 'The host ITS maps an event to a vLPI with VMAPTI, naming its vINTID and its vPE. If the vPE is resident the redistributor presents it to the guest directly; otherwise it records it in the VPT and may ring a doorbell. Its configuration byte lives in the VM’s vLPI property table, which KVM keeps in step with the guest’s own property table.',
    see: ['vPE', 'VPT', 'VMAPTI', 'direct injection', 'vLPI property table'],
    source: `${SPEC}, virtual LPIs; Linux include/linux/irqchip/arm-gic-v4.h`,
    topic: 'GICv4',
  },
  {
    term: 'vINTID',
    short: 'A vINTID is a virtual INTID: the number the guest sees for a virtual interrupt.',
    more: 'A list register presents a vINTID to the guest, and VMAPTI maps a host event to a vLPI by its vINTID. Under KVM a forwarded vLPI’s vINTID is the LPI number the guest chose in its own MAPTI. A GICv4.1 vSGI has a vINTID from 0 to 15.',
    see: ['vLPI', 'pINTID', 'list register'],
    source: `${SPEC}, VMAPTI and ICH_LRn_EL2`,
    topic: 'GICv4',
  },
  {
    term: 'vPE',
    aliases: ['vPEs', 'virtual PE'],
    short:
      'A vPE is the GIC’s object for one virtual PE, the hardware side of a vCPU, to which vLPIs are delivered.',
    more: 'On a GICv4 host KVM creates one vPE per vCPU (vgic_v4_init), each with a vPEID, a virtual pending table and a doorbell. The host ITS learns about it with VMAPP and where it runs with VMOVP, and a redistributor has it resident while its vCPU runs on that PE. vLPIs are mapped to a vPE, not to a redistributor, so moving the vPE moves all of them at once.',
    see: ['vPEID', 'VPT', 'residency', 'VMAPP', 'doorbell'],
    source: 'Linux include/linux/irqchip/arm-gic-v4.h (struct its_vpe); arch/arm64/kvm/vgic/vgic-v4.c',
    topic: 'GICv4',
  },
  {
    term: 'vPEID',
    aliases: ['vPEIDs'],
    short: 'A vPEID is the number that names a vPE in ITS commands and, on GICv4.1, in GICR_VPENDBASER.',
    more: 'Linux allocates vPEIDs system-wide, up to 16 bits, so the vPEs of all VMs share one space. VMAPP, VMAPTI, VMOVP, VMOVI, VSYNC, VINVALL and INVDB all name a vPEID. The vPE table is indexed by it.',
    see: ['vPE', 'vPE table', 'VMAPP'],
    source: `${SPEC}, ITS commands; Linux drivers/irqchip/irq-gic-v3-its.c`,
    topic: 'GICv4',
  },
  {
    term: 'vPE table',
    aliases: ['vPE tables', 'vPE configuration table'],
    short:
      'The vPE table is the GICv4 ITS table, indexed by vPEID, that records each vPE’s virtual pending table and the redistributor it runs on.',
    more: 'Software gives it memory with a GITS_BASER of type vPEs; VMAPP writes an entry and VMOVP updates its redistributor. When the ITS translates an event to a vLPI it reads the vPE’s entry to find where to send it. On GICv4.1 the same table is shared with the redistributors, which find a resident vPE’s tables there.',
    see: ['vPE', 'VMAPP', 'VMOVP', 'GITS_BASER'],
    source: `${SPEC}, GITS_BASER and VMAPP`,
    topic: 'GICv4',
  },
  {
    term: 'VPT',
    aliases: ['VPTs', 'virtual pending table', 'virtual pending tables'],
    short:
      'A VPT, virtual pending table, is a vPE’s pending table in memory: one bit per vINTID, recording the vLPIs that are pending for it.',
    more: 'The redistributor sets a bit when a vLPI arrives for a vPE that is not resident, and scans the table when the vPE is made resident again. It is 64 KiB aligned, and its first 1 KiB is an implementation-defined area (IDAI says whether it can be trusted). KVM cannot see a vLPI’s pending state without reading it.',
    see: ['vPE', 'GICR_VPENDBASER', 'residency', 'pending table'],
    source: `${SPEC}, GICR_VPENDBASER and VMAPP`,
    topic: 'GICv4',
  },
  {
    term: 'vLPI property table',
    aliases: ['vprop_page', 'VCONF_addr'],
    short:
      'The vLPI property table holds one configuration byte (priority, enable) per vLPI of a VM, in the same format as the LPI property table.',
    more: 'Linux keeps one per VM (vprop_page), shared by its vPEs; KVM copies the guest’s configuration byte into it when it forwards an LPI and when the guest sends INV or INVALL for one. A GICv4.0 redistributor is given it in GICR_VPROPBASER when a vPE is made resident, and a GICv4.1 GIC learns it from VMAPP’s VCONF_addr.',
    see: ['property table', 'GICR_VPROPBASER', 'vLPI', 'VMAPP'],
    source: 'Linux include/linux/irqchip/arm-gic-v4.h (struct its_vm); arch/arm64/kvm/vgic/vgic-v4.c',
    topic: 'GICv4',
  },
  {
    term: 'GICR_VPROPBASER',
    aliases: ['VPROPBASER'],
    short:
      'GICR_VPROPBASER is the GICv4 redistributor register that locates the vLPI configuration of the vPEs that run on it.',
    more: 'On GICv4.0 it holds the address and size (IDbits) of the VM’s vLPI property table, and Linux writes it each time it makes a vPE resident. On GICv4.1 it describes the vPE configuration table instead, shared with the ITS, and the property table comes from VMAPP. It is in the redistributor’s VLPI_base frame.',
    see: ['vLPI property table', 'GICR_VPENDBASER', 'residency'],
    source: `${SPEC}, GICR_VPROPBASER; Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_schedule)`,
    topic: 'GICv4',
  },
  {
    term: 'GICR_VPENDBASER',
    aliases: ['VPENDBASER', 'VGRP1EN'],
    short: 'GICR_VPENDBASER is the GICv4 redistributor register that says which vPE is resident on it.',
    more: 'On GICv4.0 it holds the resident vPE’s VPT address with Valid (bit 63), IDAI (62), PendingLast (61) and Dirty (60); on GICv4.1 a vPEID with Valid, DB (62), PendingLast, Dirty and the group enables VGRP1EN (58) and VGRP0EN (59). Setting Valid makes a vPE resident; clearing it makes it non-resident, and software polls Dirty until the redistributor has finished. A redistributor has one, so at most one vPE is resident on it at a time.',
    see: ['residency', 'VPT', 'PendingLast', 'GICR_VPROPBASER'],
    source: `${SPEC}, GICR_VPENDBASER; Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_schedule, its_vpe_deschedule)`,
    topic: 'GICv4',
  },
  {
    term: 'residency',
    aliases: ['resident', 'non-resident', 'vgic_v4_load', 'vgic_v4_put', 'vgic_v4_commit'],
    short:
      'A vPE is resident on a redistributor when that redistributor’s GICR_VPENDBASER names it, and only then are its vLPIs presented to a guest.',
    more: 'KVM makes a vCPU’s vPE resident at vcpu_load (vgic_v4_load: VMOVP if the pCPU changed, then GICR_VPROPBASER on GICv4.0, then GICR_VPENDBASER) and waits for Dirty to clear before entry (vgic_v4_commit). At vcpu_put it makes it non-resident (vgic_v4_put), asking for a doorbell only if the vCPU is blocking. A vLPI for a non-resident vPE waits in its VPT.',
    see: ['GICR_VPENDBASER', 'vcpu_load', 'VMOVP', 'doorbell'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-v4.c; drivers/irqchip/irq-gic-v3-its.c (its_vpe_schedule)',
    topic: 'GICv4',
  },
  {
    term: 'doorbell',
    aliases: ['doorbells', 'doorbell LPI', 'doorbell LPIs', 'Dbell_pINTID'],
    short:
      'A doorbell is a physical LPI the GIC raises when a vLPI arrives for a vPE that is not resident, so the hypervisor can wake its vCPU.',
    more: 'On GICv4.0 each virtual ITE carries a doorbell (VMAPTI’s Dbell_pINTID, 1023 for none), and KVM gives all of a vPE’s vLPIs its one doorbell LPI, unmasked only while the vCPU blocks; on GICv4.1 the doorbell belongs to the vPE and the GIC manages it. KVM’s handler injects nothing: it sets pending_last and kicks the vCPU, whose vPE, resident again, takes the vLPI from its VPT. The word has a second use: the address an MSI is written to, for an ITS its GITS_TRANSLATER register, is also called the MSI’s doorbell.',
    see: ['default doorbell', 'pending_last', 'residency', 'doorbell proxy device'],
    source: 'Linux arch/arm64/kvm/vgic/vgic-v4.c (vgic_v4_doorbell_handler)',
    topic: 'GICv4',
  },
  {
    term: 'default doorbell',
    aliases: ['Default_Doorbell'],
    short:
      'The default doorbell is GICv4.1’s per-vPE doorbell LPI, given by VMAPP, which the GIC rings at most once each time the vPE is descheduled with a doorbell requested.',
    more: 'KVM requests it by setting GICR_VPENDBASER.DB when it makes a blocking vCPU’s vPE non-resident; if PendingLast then reads 0, the GIC promises the doorbell. The first vLPI rings it and disarms it, and later ones are only recorded in the VPT. VMAPTI then gives 1023, no per-vLPI doorbell, and KVM never masks or clears the doorbell.',
    see: ['doorbell', 'GICv4.1', 'GICR_VPENDBASER', 'PendingLast'],
    source: 'Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_4_1_deschedule)',
    topic: 'GICv4',
  },
  {
    term: 'doorbell proxy device',
    aliases: ['doorbell proxy', 'proxy device'],
    short:
      'The doorbell proxy device is a DeviceID the Linux ITS driver invents, the last one the ITS can name, so that it can manage GICv4.0 doorbells with ITS commands when the redistributors lack DirectLPI.',
    more: 'Without DirectLPI the only way to invalidate or clear one LPI is an ITS command naming a DeviceID and an EventID, and a doorbell belongs to no device. So the driver maps the proxy device (MAPD) with one event per CPU and maps each vPE’s doorbell to an event (MAPTI), then uses INV, CLEAR and MOVI on it. Every vcpu_load then costs ITS commands: a trace of QEMU’s GICv4.0 showed tens of thousands of CLEARs.',
    see: ['DirectLPI', 'doorbell', 'CLEAR', 'INV'],
    source: 'Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_db_proxy_map_locked)',
    topic: 'GICv4',
  },
  {
    term: 'pending_last',
    short:
      'pending_last is the flag in Linux’s struct its_vpe that tells KVM a vLPI may be pending for a vPE that is not resident.',
    more: 'KVM’s doorbell handler sets it, and descheduling the vPE sets it from what GICR_VPENDBASER.PendingLast reads back. kvm_vgic_vcpu_pending_irq reads it, so a blocked vCPU wakes even though KVM never learns which vLPI is waiting.',
    see: ['PendingLast', 'doorbell', 'WFI'],
    source:
      'Linux include/linux/irqchip/arm-gic-v4.h; arch/arm64/kvm/vgic/vgic.c (kvm_vgic_vcpu_pending_irq)',
    topic: 'GICv4',
  },
  {
    term: 'PendingLast',
    aliases: ['GICR_VPENDBASER.PendingLast'],
    short:
      'PendingLast, bit 61 of GICR_VPENDBASER, reports after a vPE is made non-resident whether a vLPI was pending for it.',
    more: 'On GICv4.0 Linux writes it as 1 when it makes a vPE resident, meaning something may be pending, so the redistributor scans the VPT. After descheduling, software reads it back once Dirty is 0. On GICv4.1, descheduling with PendingLast cleared and DB set and reading back 0 means the default doorbell is armed.',
    see: ['GICR_VPENDBASER', 'pending_last', 'default doorbell'],
    source: `${SPEC}, GICR_VPENDBASER`,
    topic: 'GICv4',
  },
  {
    term: 'VMAPP',
    short:
      'VMAPP is the GICv4 ITS command that maps a vPE (vPEID) to a redistributor and a virtual pending table, or with V = 0 unmaps it.',
    more: 'It writes the vPE’s entry in the vPE table: the VPT address and size and the target RDbase. On GICv4.1 it also carries the vLPI property table (VCONF_addr), the default doorbell, Alloc (the first mapping of this vPE on any ITS) and PTZ. Linux maps each of KVM’s vPEs with it on the ITSs that need it, followed by VSYNC.',
    see: ['vPE', 'vPE table', 'VPT', 'VMOVP'],
    source: `${SPEC}, VMAPP; Linux drivers/irqchip/irq-gic-v3-its.c (its_build_vmapp_cmd)`,
    topic: 'GICv4',
  },
  {
    term: 'VMAPTI',
    aliases: ['VMAPI'],
    short:
      'VMAPTI is the GICv4 ITS command that maps one event (DeviceID, EventID) to a vLPI (vINTID) of a vPE, with a doorbell.',
    more: 'It writes a virtual ITE, so the ITS sends that event to the vPE instead of making a physical LPI pending. The doorbell field (Dbell_pINTID) is an LPI to raise when the vPE is not resident, or 1023 for none, which GICv4.1 uses. VMAPI is the same with the vINTID equal to the EventID; when KVM forwards an event, Linux sends DISCARD and then VMAPTI.',
    see: ['vLPI', 'ITE', 'direct injection', 'doorbell'],
    source: `${SPEC}, VMAPTI; Linux drivers/irqchip/irq-gic-v3-its.c (its_build_vmapti_cmd)`,
    topic: 'GICv4',
  },
  {
    term: 'VMOVP',
    short:
      'VMOVP is the GICv4 ITS command that changes the redistributor a vPE runs on, moving all of its vLPIs at once.',
    more: 'It updates the vPE’s entry in the vPE table, so later vLPIs go to the new redistributor. Linux sends it when a vCPU is loaded on a different pCPU than before. With several ITSs that do not report GITS_TYPER.VMOVP it must be sent to each of them, with a sequence number and an ITS list.',
    see: ['vPE table', 'residency', 'VMOVI'],
    source: `${SPEC}, VMOVP; Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_set_affinity)`,
    topic: 'GICv4',
  },
  {
    term: 'VMOVI',
    short:
      'VMOVI is the GICv4 ITS command that moves one vLPI (DeviceID, EventID) to another vPE, optionally with a new doorbell.',
    more: 'KVM sends it through the host driver when a guest retargets a forwarded LPI with MOVI, and once per LPI for a guest MOVALL. It changes the virtual ITE, not the vPE table. Any pending state moves with the vLPI.',
    see: ['MOVI', 'MOVALL', 'VMOVP', 'direct injection'],
    source: `${SPEC}, VMOVI; arch/arm64/kvm/vgic/vgic-its.c (update_affinity)`,
    topic: 'GICv4',
  },
  {
    term: 'VSYNC',
    short:
      'VSYNC is the GICv4 ITS command that completes only when the effects of earlier commands on one vPE are complete, the virtual counterpart of SYNC.',
    more: 'Linux follows each of its virtual commands with one and waits for GITS_CREADR to pass it, as it does with SYNC for physical commands. QEMU’s model executes commands immediately, so its VSYNC does nothing.',
    see: ['SYNC', 'vPE', 'command queue'],
    source: `${SPEC}, VSYNC; Linux drivers/irqchip/irq-gic-v3-its.c`,
    topic: 'GICv4',
  },
  {
    term: 'VINVALL',
    short:
      'VINVALL is the GICv4 ITS command that makes the GIC reload the configuration of every vLPI of one vPE from the vLPI property table.',
    more: 'It is the virtual counterpart of INVALL. KVM triggers it when a guest sends INVALL for a collection whose vCPU has forwarded LPIs; on GICv4.1 Linux may instead write GICR_INVALLR with the vPEID. A single vLPI is invalidated with an INV on the host ITS.',
    see: ['INVALL', 'INV', 'vLPI property table'],
    source: `${SPEC}, VINVALL; Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_invall)`,
    topic: 'GICv4',
  },
  {
    term: 'INVDB',
    short:
      'INVDB is the GICv4.1 ITS command that makes every redistributor reload the doorbell configuration of one vPE.',
    more: 'Linux sends it when it enables or disables a vPE’s default doorbell, to one GICv4.1 ITS, which broadcasts it. It replaces the GICR_INVLPIR write or proxy INV that a GICv4.0 doorbell needs.',
    see: ['default doorbell', 'GICv4.1', 'GICR_INVLPIR'],
    source: `${SPEC}, INVDB; Linux drivers/irqchip/irq-gic-v3-its.c (its_vpe_4_1_send_inv)`,
    topic: 'GICv4',
  },
  {
    term: 'vSGI',
    aliases: ['vSGIs', 'VSGI', 'GITS_SGIR', 'GICD_CTLR.nASSGIreq', 'nASSGIreq'],
    short: 'A vSGI is a GICv4.1 virtual SGI, delivered by the GIC directly to a vPE like a vLPI.',
    more: 'The VSGI command sets a vSGI’s enable, group and priority for a vPE, and a write of the vPEID and vINTID to GITS_SGIR makes it pending. KVM switches a guest’s SGIs to vSGIs when the guest sets GICD_CTLR.nASSGIreq, offered by GICD_TYPER2.nASSGIcap, because such SGIs have no active state. The guest’s ICC_SGI1R_EL1 write still traps, but KVM then only writes GITS_SGIR.',
    see: ['SGI', 'GICv4.1', 'vPE', 'ICC_SGI1R_EL1'],
    source: `${SPEC}, VSGI and GITS_SGIR; arch/arm64/kvm/vgic/vgic-v4.c (vgic_v4_configure_vsgis)`,
    topic: 'GICv4',
  },
];
