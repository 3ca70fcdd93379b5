/*
 * The DSDT of every child partition, compiled by Debian's iasl
 * (acpica-tools) at build time (partition/acpi/module.mk). What it
 * describes is what the parent emulates (docs/child-platform.md):
 *   \_S5            soft-off: SLP_TYP 5 into PM1a_CNT (0x604, the FADT's),
 *                   with SLP_EN, which partition/devices/ports.c treats as
 *                   power-off
 *   \_SB.VMOD       the VMBus module, _HID ACPI0004 (a module device), with
 *                   a memory window for the VMBus MMIO allocator
 *                   (Linux drivers/hv/vmbus_drv.c vmbus_walk_resources;
 *                   kernels before commit 78e04bbff849 oops without an
 *                   ancestor window)
 *   \_SB.VMOD.VMBS  the VMBus device: _HID "VMBus" is what hv_acpi_init
 *                   matches (vmbus_acpi_device_ids); its _CRS must exist
 *                   for the resource walk; the IRQ in it is used on arm64
 *                   only (on x86 the vector is HYPERVISOR_CALLBACK_VECTOR)
 *   \_SB.UAR1       COM1, a 16550 at 0x3f8 on IRQ 4 (PNP0501)
 *   \_SB.PCI0       the PCI root bridge of bus 0 (PNP0A03; conventional PCI,
 *                   a 440BX, so no PNP0A08), which the gen1 functions of
 *                   partition/devices/pci_gen1.c sit on: with ACPI on, x86
 *                   Linux scans PCI only below such a device (pci_acpi_init
 *                   takes over from pci_legacy_init). _CRS: bus 0, the
 *                   configuration ports 0xcf8-0xcff (mechanism #1), and the
 *                   rest of the I/O space as the window the IDE function's
 *                   legacy ports and BAR4 (0xffa0) and the PM base (0x600)
 *                   lie in. No memory window: no gen1 function has a memory
 *                   BAR, and [0xf0000000, 0xf7ffffff] is VMOD's.
 * The VMOD window [0xf0000000, 0xf7ffffff] assumes guest RAM stays below
 * 0xf0000000, which New-VM enforces for Linux kernels.
 */
DefinitionBlock ("", "DSDT", 2, "HVPART", "HVPARTDS", 0x00000001)
{
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

    Scope (\_SB)
    {
        Device (VMOD)
        {
            Name (_HID, "ACPI0004")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    NonCacheable, ReadWrite,
                    0x0000000000000000, 0x00000000F0000000, 0x00000000F7FFFFFF,
                    0x0000000000000000, 0x0000000008000000,,, , AddressRangeMemory, TypeStatic)
            })

            Device (VMBS)
            {
                /* A Method, not a Name: iasl insists a _HID string has 7 or 8
                 * characters (error 6033), while Linux matches "VMBus", and
                 * ACPI lets _HID be a method returning the string. */
                Method (_HID, 0, NotSerialized) { Return ("VMBus") }
                Name (_UID, Zero)
                Name (_DDN, "VMBUS")
                Method (_STA, 0, NotSerialized) { Return (0x0F) }
                Method (_PS0, 0, NotSerialized) { }
                Method (_PS3, 0, NotSerialized) { }
                Name (_CRS, ResourceTemplate ()
                {
                    IRQNoFlags () {5}
                })
            }
        }

        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_BBN, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x0000, 0x0000, 0x0001,,,)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,,, TypeStatic)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,,, TypeStatic)
            })
        }

        Device (UAR1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_DDN, "COM1")
            Method (_STA, 0, NotSerialized) { Return (0x0F) }
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () {4}
            })
        }
    }
}
