// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for tests/host/rt-test.sh: what CONFIG_DEBUG_ATOMIC_SLEEP
 * would report on a PREEMPT_RT kernel built without it (Debian's -rt).
 *
 * On PREEMPT_RT spinlock_t, rwlock_t and mutexes are rt_mutexes: taking
 * one with preemption or interrupts off is a bug even when it happens not
 * to be contended, and the stock kernel only notices when it is (then
 * "scheduling while atomic"). Kprobes on the sleeping-lock entry points
 * check every acquisition instead: preempt_count above what a preemptible
 * caller shows in the probe (measured at load), or interrupts off at the
 * call, prints "BUG: sleeping lock in atomic context (rtcheck)" with a
 * stack, which the suites' kernel-log check fails on. RCU read sections
 * do not count (they do not disable preemption on RT).
 */
#define pr_fmt(fmt) "rtcheck: " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>

static const char *const rtcheck_syms[] = {
	"rt_spin_lock", "rt_read_lock", "rt_write_lock",
	"mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable",
	"rt_mutex_lock",
};

static struct kprobe rtcheck_kp[ARRAY_SIZE(rtcheck_syms)];
/*
 * What a preemptible caller's preempt_count() looks like inside the probe:
 * the probe itself adds to it, differently for ftrace-based and int3
 * probes. Learnt per kind as the smallest of the first RTCHECK_LEARN
 * calls (nearly all sleeping-lock calls are from preemptible context).
 */
#define RTCHECK_LEARN	256
static int rtcheck_base[2] = { INT_MAX, INT_MAX };
static atomic_t rtcheck_seen[2];
static atomic_t rtcheck_hits = ATOMIC_INIT(0);
static atomic_t rtcheck_reports = ATOMIC_INIT(0);
static bool rtcheck_selftest;
static struct task_struct *rtcheck_selftest_task;	/* the load's own bad call is running */
static atomic_t rtcheck_selftest_caught = ATOMIC_INIT(0);

static int rtcheck_pre(struct kprobe *p, struct pt_regs *regs)
{
	int kind = !!(p->flags & KPROBE_FLAG_FTRACE);
	int pc = preempt_count() & (PREEMPT_MASK | HARDIRQ_MASK | NMI_MASK |
				    SOFTIRQ_MASK);
	bool irqs_on = regs->flags & X86_EFLAGS_IF;

	if (atomic_inc_return(&rtcheck_seen[kind]) <= RTCHECK_LEARN) {
		if (irqs_on && pc < READ_ONCE(rtcheck_base[kind]))
			WRITE_ONCE(rtcheck_base[kind], pc);
		return 0;
	}
	atomic_inc(&rtcheck_hits);
	if (pc <= READ_ONCE(rtcheck_base[kind]) && irqs_on)
		return 0;
	if (READ_ONCE(rtcheck_selftest) && current == READ_ONCE(rtcheck_selftest_task)) {
		atomic_inc(&rtcheck_selftest_caught);
		return 0;
	}
	if (atomic_inc_return(&rtcheck_reports) > 5)
		return 0;
	pr_err("BUG: sleeping lock in atomic context (rtcheck): %s preempt_count=%#x (preemptible: %#x) irqs %s, %s/%d\n",
	       p->symbol_name, pc, rtcheck_base[kind], irqs_on ? "on" : "off",
	       current->comm, current->pid);
	dump_stack();
	return 0;
}

/*
 * Learn the preemptible base from calls of our own, then make the
 * mistake once on purpose (uncontended, so it cannot really sleep) and
 * check that it is seen.
 */
static void __init rtcheck_self_test(void)
{
	static DEFINE_MUTEX(m);
	static DEFINE_SPINLOCK(s);
	unsigned int i;

	for (i = 0; i < 2 * RTCHECK_LEARN; i++) {
		mutex_lock(&m);
		mutex_unlock(&m);
		spin_lock(&s);
		spin_unlock(&s);
	}
	WRITE_ONCE(rtcheck_selftest_task, current);
	WRITE_ONCE(rtcheck_selftest, true);
	preempt_disable();
	spin_lock(&s);
	spin_unlock(&s);
	preempt_enable();
	WRITE_ONCE(rtcheck_selftest, false);
}

static int __init rtcheck_init(void)
{
	unsigned int i, n = 0;
	int r;

	if (!IS_ENABLED(CONFIG_PREEMPT_RT)) {
		pr_err("not a PREEMPT_RT kernel\n");
		return -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(rtcheck_syms); i++) {
		rtcheck_kp[i].symbol_name = rtcheck_syms[i];
		rtcheck_kp[i].pre_handler = rtcheck_pre;
		r = register_kprobe(&rtcheck_kp[i]);
		if (r) {
			pr_info("%s: not probed (%d)\n", rtcheck_syms[i], r);
			rtcheck_kp[i].symbol_name = NULL;
			continue;
		}
		pr_info("%s probed (%s)\n", rtcheck_syms[i],
			rtcheck_kp[i].flags & KPROBE_FLAG_FTRACE ? "ftrace" : "int3");
		n++;
	}
	if (!rtcheck_kp[0].symbol_name || !rtcheck_kp[3].symbol_name) {
		pr_err("rt_spin_lock or mutex_lock cannot be probed\n");
		for (i = 0; i < ARRAY_SIZE(rtcheck_syms); i++)
			if (rtcheck_kp[i].symbol_name)
				unregister_kprobe(&rtcheck_kp[i]);
		return -ENODEV;
	}
	rtcheck_self_test();
	if (!atomic_read(&rtcheck_selftest_caught)) {
		pr_err("self-test: a spinlock_t taken with preemption off was not caught\n");
		for (i = 0; i < ARRAY_SIZE(rtcheck_syms); i++)
			if (rtcheck_kp[i].symbol_name)
				unregister_kprobe(&rtcheck_kp[i]);
		return -EINVAL;
	}
	pr_info("self-test: a spinlock_t taken with preemption off was caught\n");
	return 0;
}

/* The summary the test reads: how many calls were checked. */
static void __exit rtcheck_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtcheck_syms); i++)
		if (rtcheck_kp[i].symbol_name)
			unregister_kprobe(&rtcheck_kp[i]);
	pr_info("%d sleeping-lock acquisitions checked (preemptible: %#x ftrace, %#x int3), %d reported\n",
		atomic_read(&rtcheck_hits), rtcheck_base[1], rtcheck_base[0],
		atomic_read(&rtcheck_reports));
}

module_init(rtcheck_init);
module_exit(rtcheck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test only: sleeping locks taken in atomic context on PREEMPT_RT");
