/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the vmm module: every VM exit and every return to
 * userspace, for perf and ftrace (events/vmm/). Cheap when disabled.
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

#endif /* VMM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
