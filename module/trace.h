/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the vmm module: every VM exit and every return to
 * userspace, and each point a disk request passes, for perf, ftrace and
 * bpftrace (events/vmm/). Cheap when disabled.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmm

#if !defined(VMM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VMM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(vmm_exit,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 reason, u64 hw_reason, u64 rip,
		 u64 cycles),
	TP_ARGS(vm_id, vcpu_id, reason, hw_reason, rip, cycles),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, reason)
		__field(u64, hw_reason)
		__field(u64, rip)
		__field(u64, cycles)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->hw_reason = hw_reason;
		__entry->rip = rip;
		__entry->cycles = cycles;
	),
	TP_printk("vm %u vcpu %u reason %u hw 0x%llx rip 0x%llx cycles %llu",
		  __entry->vm_id, __entry->vcpu_id, __entry->reason,
		  __entry->hw_reason, __entry->rip, __entry->cycles)
);

TRACE_EVENT(vmm_user_exit,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 exit_reason),
	TP_ARGS(vm_id, vcpu_id, exit_reason),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, exit_reason)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->exit_reason = exit_reason;
	),
	TP_printk("vm %u vcpu %u exit_reason %u", __entry->vm_id,
		  __entry->vcpu_id, __entry->exit_reason)
);

/*
 * Doorbell chaining (emulate.c) ran insns instructions after a device
 * write; wrote: the last was the second write, made in the same exit.
 */
TRACE_EVENT(vmm_mmio_chain,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 insns, bool wrote),
	TP_ARGS(vm_id, vcpu_id, insns, wrote),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, insns)
		__field(bool, wrote)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->insns = insns;
		__entry->wrote = wrote;
	),
	TP_printk("vm %u vcpu %u insns %u wrote %d", __entry->vm_id,
		  __entry->vcpu_id, __entry->insns, __entry->wrote)
);

/*
 * A disk request reached a point (uapi enum vmm_disk_stage explains them):
 * submit (lat: notify -> parsed and submitted), done (lat: host I/O
 * started -> completed), irq (lat: done -> interrupt raised), ack (lat:
 * interrupt -> the guest's acknowledgment; no sector, len). total_ns is
 * the time since the guest's notify (0 for ack). Times in ns; 0 when
 * disk timing is off. disk: "d0" AHCI disk, "c0" AHCI CD, "v0" virtio-blk.
 */
DECLARE_EVENT_CLASS(vmm_disk_stage,
	TP_PROTO(u32 vm_id, const char *disk, u8 op, u64 sector, u32 len,
		 u64 lat_ns, u64 total_ns, int error),
	TP_ARGS(vm_id, disk, op, sector, len, lat_ns, total_ns, error),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__array(char, disk, 8)
		__field(u8, op)
		__field(int, error)
		__field(u64, sector)
		__field(u32, len)
		__field(u64, lat_ns)
		__field(u64, total_ns)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		strscpy(__entry->disk, disk, sizeof(__entry->disk));
		__entry->op = op;
		__entry->error = error;
		__entry->sector = sector;
		__entry->len = len;
		__entry->lat_ns = lat_ns;
		__entry->total_ns = total_ns;
	),
	TP_printk("vm %u disk %s op %s sector %llu len %u lat_ns %llu total_ns %llu err %d",
		  __entry->vm_id, __entry->disk,
		  __print_symbolic(__entry->op, { 0, "read" }, { 1, "write" },
				   { 2, "flush" }, { 3, "discard" },
				   { 4, "write_zeroes" }),
		  __entry->sector, __entry->len, __entry->lat_ns,
		  __entry->total_ns, __entry->error)
);

DEFINE_EVENT(vmm_disk_stage, vmm_disk_submit,
	TP_PROTO(u32 vm_id, const char *disk, u8 op, u64 sector, u32 len,
		 u64 lat_ns, u64 total_ns, int error),
	TP_ARGS(vm_id, disk, op, sector, len, lat_ns, total_ns, error)
);

DEFINE_EVENT(vmm_disk_stage, vmm_disk_done,
	TP_PROTO(u32 vm_id, const char *disk, u8 op, u64 sector, u32 len,
		 u64 lat_ns, u64 total_ns, int error),
	TP_ARGS(vm_id, disk, op, sector, len, lat_ns, total_ns, error)
);

DEFINE_EVENT(vmm_disk_stage, vmm_disk_irq,
	TP_PROTO(u32 vm_id, const char *disk, u8 op, u64 sector, u32 len,
		 u64 lat_ns, u64 total_ns, int error),
	TP_ARGS(vm_id, disk, op, sector, len, lat_ns, total_ns, error)
);

DEFINE_EVENT(vmm_disk_stage, vmm_disk_ack,
	TP_PROTO(u32 vm_id, const char *disk, u8 op, u64 sector, u32 len,
		 u64 lat_ns, u64 total_ns, int error),
	TP_ARGS(vm_id, disk, op, sector, len, lat_ns, total_ns, error)
);

#endif /* VMM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
