/*
 * vmcfg: the text format of a VM's configuration file (config.txt in the
 * VM's folder on the host volume; docs/vm-config.md is the reference).
 *
 *   # comment
 *   [VM]
 *   Name = web1
 *   MemoryStartupBytes = 32MB
 *   Module = B:\mod.bin            (a key may repeat: order is kept)
 *   [HardDrive]                    (a section may repeat: one per disk)
 *   Path = C:\vhd\web1.vhd
 *
 * Two layers. The document layer (vmcfg_parse, vmcfg_write and the
 * accessors) keeps every section and key in file order, known or not, so a
 * file written by a newer parent round-trips through an older one. The VM
 * layer (vmcfg_get_vm, vmcfg_put_vm) maps the [VM] section's known keys to
 * struct vmcfg_vm and back, touching no other key. Other settings (disks,
 * adapters, integration services) add their own keys and sections through
 * the document accessors.
 *
 * Portable (docs/ARCHITECTURE.md rule 5): malloc and string functions
 * only; built for the parent and for host tests; fuzz_vmconfig feeds the
 * parser garbage, since a file on the volume is untrusted input. Errors
 * are negative errno with a message that names the line.
 */
#ifndef PARTITION_VMCFG_H
#define PARTITION_VMCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMCFG_FILE_MAX   (64u * 1024u)   /* bigger files are refused */
#define VMCFG_LINE_MAX   4608u           /* bytes in one line, without its end */
#define VMCFG_VALUE_MAX  1024u           /* bytes in one value, once unquoted */
#define VMCFG_KEY_MAX    48u             /* key and section names, with NUL */
#define VMCFG_ITEMS_MAX  512             /* sections plus keys in one file */

struct vmcfg_entry {
	char *key, *value;
	int line;                /* 0 for an entry added in memory */
};

struct vmcfg_section {
	char *name;
	int line;
	struct vmcfg_entry *e;
	int n, cap;
};

struct vmcfg_doc {
	struct vmcfg_section *s;
	int n, cap;
};

/* Why a file was refused: line 0 means the file as a whole. */
struct vmcfg_error {
	int line;
	char msg[160];
};

/* ---- Document layer ---- */

/* Parse text (need not be NUL-terminated). On error doc is left empty and
 * err says which line and why. */
int vmcfg_parse(const char *text, size_t len, struct vmcfg_doc *doc, struct vmcfg_error *err);
/* The file's text (malloc'd, NUL-terminated; *len without the NUL). */
char *vmcfg_write(const struct vmcfg_doc *doc, size_t *len);
void vmcfg_free(struct vmcfg_doc *doc);

/* The idx-th section named name (case-insensitive), or NULL. */
struct vmcfg_section *vmcfg_section(const struct vmcfg_doc *doc, const char *name, int idx);
int vmcfg_section_count(const struct vmcfg_doc *doc, const char *name);
/* Append a new section; NULL when out of memory or the file would be too big. */
struct vmcfg_section *vmcfg_section_add(struct vmcfg_doc *doc, const char *name);
/* Remove section s (a pointer into doc) and its entries; pointers to
 * later sections move down by one. */
void vmcfg_section_remove(struct vmcfg_doc *doc, struct vmcfg_section *s);
/* The idx-th entry for key in s (case-insensitive), or NULL. */
struct vmcfg_entry *vmcfg_find(const struct vmcfg_section *s, const char *key, int idx);
const char *vmcfg_get(const struct vmcfg_section *s, const char *key);
/* Set key to value: the first entry is changed in place, later ones are
 * removed; a missing key is appended. value NULL removes every entry. */
int vmcfg_set(struct vmcfg_section *s, const char *key, const char *value);
/* Append one more entry for key (repeatable keys). */
int vmcfg_add(struct vmcfg_section *s, const char *key, const char *value);

/* ---- VM layer: the [VM] section ---- */

#define VMCFG_NAME_MAX     32
#define VMCFG_PATH_MAX     64
#define VMCFG_MODULES_MAX  8
#define VMCFG_ARGS_MAX     1024
#define VMCFG_NOTES_MAX    256

/* Hyper-V's AutomaticStartAction and AutomaticStopAction values. */
enum vmcfg_start { VMCFG_START_NOTHING, VMCFG_START_START, VMCFG_START_IF_RUNNING };
enum vmcfg_stop { VMCFG_STOP_TURN_OFF, VMCFG_STOP_SAVE, VMCFG_STOP_SHUT_DOWN };
extern const char *const vmcfg_start_names[];   /* NULL-terminated */
extern const char *const vmcfg_stop_names[];

struct vmcfg_vm {
	char name[VMCFG_NAME_MAX];
	uint8_t vmid[16];            /* Windows' binary GUID layout (partition/lib/guid.h) */
	uint64_t memory_bytes;
	uint32_t processors;
	/* Processor resource control (Set-VMProcessor): RelativeWeight
	 * 1-10000 (100), Reserve 0-100 % (0), Maximum 1-100 % (100). */
	uint32_t weight, reserve_pct, max_pct;
	char kernel[VMCFG_PATH_MAX];
	char initrd[VMCFG_PATH_MAX];  /* a Linux kernel's initrd; "" for none */
	char modules[VMCFG_MODULES_MAX][VMCFG_PATH_MAX];
	int nmodules;
	char kernel_args[VMCFG_ARGS_MAX];
	char notes[VMCFG_NOTES_MAX];
	enum vmcfg_start start_action;
	enum vmcfg_stop stop_action;
	bool was_running;            /* for StartIfRunning: running when last saved */
};

/* Read the [VM] section. Name, VMId, MemoryStartupBytes and Kernel are
 * required; the rest have Hyper-V's defaults. A key given twice that may
 * appear once, or a bad value, is an error naming its line. Keys this
 * parent does not know are kept in doc; *unknown_line gets the line of
 * the first one (0: none), so the caller can say so. */
int vmcfg_get_vm(const struct vmcfg_doc *doc, struct vmcfg_vm *vm, int *unknown_line,
		 struct vmcfg_error *err);
/* Write vm into doc's [VM] section (created first in the file when
 * missing), replacing the known keys and leaving every other key and
 * section as it was. */
int vmcfg_put_vm(struct vmcfg_doc *doc, const struct vmcfg_vm *vm);

/* ---- Disk layer: the [HardDrive] sections (one per disk) ---- */

#define VMCFG_DISKS_MAX      64      /* SCSI locations 0-63 of controller 0 */
#define VMCFG_IDE_DRIVES     4       /* IDE controllers 0-1, locations 0-1 */
#define VMCFG_DRIVES_MAX     (VMCFG_DISKS_MAX + VMCFG_IDE_DRIVES)
#define VMCFG_DISK_PATH_MAX  128

/* Get-VMHardDiskDrive's ControllerType: the synthetic SCSI controller 0,
 * or one of a generation 1 VM's two emulated IDE controllers (each with
 * locations 0 and 1, master and slave). */
enum vmcfg_ctrl { VMCFG_CTRL_SCSI = 0, VMCFG_CTRL_IDE = 1 };

#define VMCFG_DISK_NUMBER_MAX 9999

/* Add-VMHardDiskDrive's settings: a VHD file (-Path) or, with
 * pass_through set, a physical disk of the parent (-DiskNumber, its
 * Get-Disk Number; path is then empty). Zeroed means a VHD. */
struct vmcfg_disk {
	char path[VMCFG_DISK_PATH_MAX];  /* C:\lin.vhd */
	uint8_t controller_type;         /* enum vmcfg_ctrl */
	uint8_t controller_number;       /* SCSI: 0; IDE: 0 or 1 */
	uint8_t controller_location;     /* SCSI: 0-63; IDE: 0 or 1 */
	uint8_t pass_through;            /* 1: disk_number, not path */
	uint16_t disk_number;            /* 0..VMCFG_DISK_NUMBER_MAX */
};

/* Read every [HardDrive] section in file order into d[0..*n). Neither
 * or both of Path and DiskNumber (a pass-through disk), a DiskNumber
 * not in 0..VMCFG_DISK_NUMBER_MAX, an unknown ControllerType, a number
 * or location out of range for its type, a key given twice, two disks at one location of one
 * controller, one Path or DiskNumber given twice, or more than max
 * disks is an error naming its line. Other keys are kept in doc. */
int vmcfg_get_disks(const struct vmcfg_doc *doc, struct vmcfg_disk *d, int max, int *n,
		    struct vmcfg_error *err);
/* Make doc's [HardDrive] sections d[0..n): the k-th existing section is
 * reused for d[k] (its other keys kept), new ones appended, extra ones
 * removed. 0, -ENOMEM or -EINVAL (a value the writer will not take). */
int vmcfg_put_disks(struct vmcfg_doc *doc, const struct vmcfg_disk *d, int n);

/* ---- DVD drives: the [DvdDrive] sections (vmcfg_dvd.c) ---- */

/* Add-VMDvdDrive's settings: an ATAPI CD-ROM at a place of a generation
 * 1 VM's IDE controllers, with an ISO file or no medium. */
struct vmcfg_dvd {
	char path[VMCFG_DISK_PATH_MAX];  /* C:\boot.iso; "" for no medium */
	uint8_t controller_number;       /* 0 or 1 */
	uint8_t controller_location;     /* 0 or 1 */
};

/* Read every [DvdDrive] section in file order into d[0..*n). A
 * ControllerType other than IDE, a number or location out of range, a
 * key given twice, two drives at one place or a drive where an IDE hard
 * disk of disks[0..ndisks) is, or more than max drives is an error
 * naming its line. A missing or empty Path is a drive without medium;
 * one ISO may be in several drives (it is only read). */
int vmcfg_get_dvds(const struct vmcfg_doc *doc, const struct vmcfg_disk *disks, int ndisks,
		   struct vmcfg_dvd *d, int max, int *n, struct vmcfg_error *err);
/* Make doc's [DvdDrive] sections d[0..n) as vmcfg_put_disks does. */
int vmcfg_put_dvds(struct vmcfg_doc *doc, const struct vmcfg_dvd *d, int n);

/* ---- Network adapters: the [NetworkAdapter] sections (vmcfg_net.c) ---- */

#define VMCFG_NICS_MAX 8

/* Set-VMNetworkAdapterVlan's OperationMode (Hyper-V's names). */
enum vmcfg_vlan_mode { VMCFG_VLAN_UNTAGGED, VMCFG_VLAN_ACCESS, VMCFG_VLAN_TRUNK };
extern const char *const vmcfg_vlan_mode_names[];  /* NULL-terminated */

#define VMCFG_VID_MAX     4094u   /* 802.1Q: 0 and 0xFFF are not VLANs */
#define VMCFG_VLAN_WORDS  64      /* bits 0..4095 */

struct vmcfg_nic {
	char name[VMCFG_NAME_MAX];        /* "Network Adapter" */
	char switch_name[VMCFG_NAME_MAX]; /* "": not connected */
	uint8_t mac[6];                   /* a unicast address, never all zero */
	bool dynamic_mac;                 /* from the host's 00-15-5D pool */
	bool mac_spoofing;                /* MacAddressSpoofing On */
	enum vmcfg_vlan_mode vlan_mode;
	uint16_t access_vlan;             /* Access: 1..4094, else 0 */
	uint16_t native_vlan;             /* Trunk: 0..4094 (0: untagged), else 0 */
	uint64_t allowed[VMCFG_VLAN_WORDS]; /* Trunk: bit v for VID v (1..4094,
					     * at least one), else all zero */
};

int vmcfg_nic_count(const struct vmcfg_doc *doc);
/* Read adapter idx (0..count-1): Name and MacAddress required, each key
 * at most once, the MAC a station address; errors name the line. */
int vmcfg_get_nic(const struct vmcfg_doc *doc, int idx, struct vmcfg_nic *nic,
		  struct vmcfg_error *err);
/* Write adapter idx (idx == count appends a section); other keys of the
 * section are kept. -EINVAL for a value vmcfg_get_nic would refuse. */
int vmcfg_put_nic(struct vmcfg_doc *doc, int idx, const struct vmcfg_nic *nic);
/* "00155D000A01" (also with '-' or ':' between octets) <-> 6 bytes;
 * out is written as Get-VMNetworkAdapter shows it: 12 upper-case digits. */
int vmcfg_mac_parse(const char *s, uint8_t mac[6]);
void vmcfg_mac_format(const uint8_t mac[6], char out[13]);
/* Remove adapter idx's section (other adapters move down); -ENOENT. */
int vmcfg_remove_nic(struct vmcfg_doc *doc, int idx);

/* A VLAN ID list as Set-VMNetworkAdapterVlan -AllowedVlanIdList takes it
 * and config.txt keeps it: items "V" or "A-B" (1 <= A <= B <= 4094)
 * separated by ',', blanks around items allowed, at least one item.
 * Parse: bits gets the union; 0, or -EINVAL with *why (a static string).
 * Format: the canonical text (ascending, adjacent IDs joined: "1-5,7"),
 * never longer than a list that parsed to the same bits; 0 or -E2BIG. */
int vmcfg_vlan_list_parse(const char *s, uint64_t bits[VMCFG_VLAN_WORDS], const char **why);
int vmcfg_vlan_list_format(const uint64_t bits[VMCFG_VLAN_WORDS], char *out, size_t n);
/* Number of IDs in bits; bits to an array of up to VMCFG_VID_MAX IDs. */
size_t vmcfg_vlan_list_ids(const uint64_t bits[VMCFG_VLAN_WORDS], uint16_t *ids);

/* ---- Snapshots: the [Snapshot] and [Merge] sections (vmcfg_snap.c) ----
 *
 * One [Snapshot] per snapshot, parents before children (a snapshot is
 * always taken after its parent, and removing one hands its children to
 * its parent, so file order keeps this; it makes a cycle impossible):
 *   Id = <GUID>, Name = <text>, ParentId = <GUID> (absent: a root),
 *   CreationTime = <seconds since 1970, UTC>, SnapshotType = Standard,
 *   SavedState = True|False (taken while running: its memory and devices
 *   are in Snapshots\<Id>\), Disk = <path> (repeated: the files the
 *   snapshot holds frozen, one per hard disk, in drive order).
 * [VM] ParentSnapshotId names the snapshot the VM runs on (its current
 * AVHDs' parents), as Hyper-V's VM ParentSnapshotId; absent: none.
 * A [Merge] (Child = <avhd>, Parent = <file>) is a merge under way: until
 * it is done, Parent may be used by nothing (docs/vm-config.md,
 * "Snapshots"). */

#define VMCFG_SNAPS_MAX     32
#define VMCFG_SNAP_NAME_MAX 100
#define VMCFG_MERGES_MAX    VMCFG_DRIVES_MAX

struct vmcfg_snap {
	uint8_t id[16];
	char name[VMCFG_SNAP_NAME_MAX];
	int parent;                  /* index into vmcfg_snaps.s, -1: a root */
	int64_t created;             /* seconds since 1970, UTC */
	bool saved;
	int ndisks;
	const struct vmcfg_section *sec;  /* its section: Disk entries (valid until doc changes) */
};

struct vmcfg_snaps {
	int n;
	int current;                 /* ParentSnapshotId's index, -1: none */
	struct vmcfg_snap s[VMCFG_SNAPS_MAX];
};

/* Read and check every [Snapshot] and [VM] ParentSnapshotId: Id, Name
 * and CreationTime required, Id unique, ParentId an earlier snapshot's,
 * each key once (Disk repeats), at most VMCFG_SNAPS_MAX; errors name the
 * line. */
int vmcfg_get_snaps(const struct vmcfg_doc *doc, struct vmcfg_snaps *out, struct vmcfg_error *err);
/* The k-th frozen file of snapshot sn (k < ndisks). */
const char *vmcfg_snap_disk(const struct vmcfg_snap *sn, int k);
/* Append a [Snapshot] whose parent is the current one, with disks
 * paths[0..n), and make it current. */
int vmcfg_snap_add(struct vmcfg_doc *doc, const uint8_t id[16], const char *name, int64_t created,
		   bool saved, const char *const *paths, int n);
/* Set [VM] ParentSnapshotId (NULL: remove it). */
int vmcfg_snap_set_current(struct vmcfg_doc *doc, const uint8_t *id);
/* Remove the snapshot with id: its children and, when it was current,
 * the VM get its parent. -ENOENT when there is none. */
int vmcfg_snap_remove(struct vmcfg_doc *doc, const uint8_t id[16]);
/* SavedState of the snapshot with id (a running VM's, once its memory
 * is saved); -ENOENT when there is none. */
int vmcfg_snap_set_saved(struct vmcfg_doc *doc, const uint8_t id[16], bool saved);
/* Rename-VMSnapshot: -EINVAL for an empty or too long name, -ENOENT. */
int vmcfg_snap_rename(struct vmcfg_doc *doc, const uint8_t id[16], const char *name);
/* The first snapshot at index >= from named name (case-insensitive), or -1. */
int vmcfg_snap_find(const struct vmcfg_snaps *s, const char *name, int from);
/* What still reads snapshot i's frozen files: its child snapshots, plus
 * the VM's current disks when i is current. */
int vmcfg_snap_dependents(const struct vmcfg_snaps *s, int i);
/* Whether path is a frozen file of a snapshot other than except. */
bool vmcfg_snap_file_used(const struct vmcfg_snaps *s, const char *path, int except);
/* Hyper-V's default name: "<vm> - (M/D/YYYY - h:mm:ss AM)". */
void vmcfg_snap_default_name(const char *vm, int64_t year, unsigned mon, unsigned day,
			     unsigned hour, unsigned min, unsigned sec, char *out, size_t n);
/* The AVHD for disk in folder dir, Hyper-V's "<disk>_<GUID>.avhd": the
 * disk's file name without its extension and without an earlier
 * "_<GUID>" (an AVHD of an AVHD keeps the disk's name). 0 or -ENAMETOOLONG. */
int vmcfg_avhd_name(const char *disk, const char *dir, const uint8_t g[16], char *out, size_t n);

struct vmcfg_merge {
	char child[VMCFG_DISK_PATH_MAX], parent[VMCFG_DISK_PATH_MAX];
};
/* Every [Merge] in file order: Child and Parent required, once each. */
int vmcfg_get_merges(const struct vmcfg_doc *doc, struct vmcfg_merge *m, int max, int *n,
		     struct vmcfg_error *err);
int vmcfg_merge_add(struct vmcfg_doc *doc, const char *child, const char *parent);
/* Remove the [Merge] for child; -ENOENT when there is none. */
int vmcfg_merge_done(struct vmcfg_doc *doc, const char *child);

/* "xxxxxxxx-xxxx-..." <-> the binary layout; 0 or -EINVAL. */
int vmcfg_guid_parse(const char *s, uint8_t g[16]);
void vmcfg_guid_format(const uint8_t g[16], char out[37]);

#endif
