// SPDX-License-Identifier: GPL-2.0
/*
 * pmdbcrash: the driver of the classic crash tutorials, so that the tests
 * can make fresh kernel dumps of known bugs.  /dev/pmdbcrash takes one
 * ioctl per scenario:
 *
 *   PMDBCRASH_NULL    a write through a NULL struct pointer, at a member
 *                     8 bytes in (the Oops: "NULL pointer dereference,
 *                     address: 0000000000000008")
 *   PMDBCRASH_UAF     an object of the "pmdb_uaf" cache freed, then its
 *                     pointer member read (slab poison, 0x6b bytes, when
 *                     booted with slub_debug=P) and followed: a general
 *                     protection fault on a non-canonical address
 *   PMDBCRASH_LOCKUP  a spin with preemption disabled (a soft lockup)
 *   PMDBCRASH_HUNG    an uninterruptible sleep that never ends (a hung task)
 *
 * The faults happen in pmdbcrash_ioctl itself, which is never inlined, so
 * the Oops's RIP line names it.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>

#define PMDBCRASH_NULL   _IO('P', 1)
#define PMDBCRASH_UAF    _IO('P', 2)
#define PMDBCRASH_LOCKUP _IO('P', 3)
#define PMDBCRASH_HUNG   _IO('P', 4)

struct pmdb_item {
	long id;
	long count;          /* at offset 8: the NULL write's address */
	char name[16];
};

struct pmdb_obj {
	unsigned long magic;
	struct pmdb_obj *next;   /* poisoned once the object is freed */
	char name[16];
};

/* Never set: not static, so the compiler cannot prove it NULL and turn
 * the write into a trap. */
struct pmdb_item *pmdb_current_item;
static struct kmem_cache *pmdb_uaf_cache;

static noinline void pmdb_spin(void)
{
	preempt_disable();
	for (;;)
		cpu_relax();
}

static noinline void pmdb_sleep_forever(void)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static noinline long pmdbcrash_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pmdb_item *item;
	struct pmdb_obj *obj, *next;

	/* printk is __cold: a path that calls it would be moved out to
	 * pmdbcrash_ioctl.cold, so the NULL write's path must not */
	pr_info("pmdbcrash: ioctl %#x\n", cmd);
	switch (cmd) {
	case PMDBCRASH_NULL:
		item = READ_ONCE(pmdb_current_item);
		WRITE_ONCE(item->count, arg);
		return 0;
	case PMDBCRASH_UAF:
		obj = kmem_cache_alloc(pmdb_uaf_cache, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		obj->magic = 0x706d6462;
		obj->next = obj;
		strscpy(obj->name, "pmdb-object", sizeof(obj->name));
		pr_info("pmdbcrash: object %px from pmdb_uaf, freeing it\n", obj);
		kmem_cache_free(pmdb_uaf_cache, obj);
		next = READ_ONCE(obj->next);
		pr_info("pmdbcrash: following next of the freed object\n");
		return READ_ONCE(next->next) != NULL;
	case PMDBCRASH_LOCKUP:
		pr_info("pmdbcrash: spinning with preemption disabled\n");
		pmdb_spin();
		return 0;
	case PMDBCRASH_HUNG:
		pr_info("pmdbcrash: sleeping uninterruptibly forever\n");
		pmdb_sleep_forever();
		return 0;
	}
	return -ENOTTY;
}

static const struct file_operations pmdbcrash_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pmdbcrash_ioctl,
};

static struct miscdevice pmdbcrash_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pmdbcrash",
	.fops = &pmdbcrash_fops,
};

static int __init pmdbcrash_init(void)
{
	int err;

	pmdb_uaf_cache = kmem_cache_create("pmdb_uaf", sizeof(struct pmdb_obj), 0, 0, NULL);
	if (!pmdb_uaf_cache)
		return -ENOMEM;
	err = misc_register(&pmdbcrash_dev);
	if (err)
		kmem_cache_destroy(pmdb_uaf_cache);
	return err;
}

static void __exit pmdbcrash_exit(void)
{
	misc_deregister(&pmdbcrash_dev);
	kmem_cache_destroy(pmdb_uaf_cache);
}

module_init(pmdbcrash_init);
module_exit(pmdbcrash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crash scenarios for pmdb's kernel tests");
