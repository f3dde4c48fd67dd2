# libudev as an independent reader of the udev monitor format: sends the
# datagram given in hex (argv[1]) to the udev multicast group of the current
# network namespace and prints, as JSON, what libudev's own monitor made of
# it (udev_monitor_receive_device), through a kernel socket filter on the
# subsystem hash and tag bloom (argv[2], argv[3]) that libudev compiles
# itself. Run it in a throw-away namespace, in a private mount namespace
# where /run/udev/control exists (libudev will not listen without it).
import ctypes, json, select, socket, sys

lib = ctypes.CDLL("libudev.so.1")
P = ctypes.c_void_p
S = ctypes.c_char_p
for name, res, args in [
    ("udev_new", P, []),
    ("udev_monitor_new_from_netlink", P, [P, S]),
    ("udev_monitor_filter_add_match_subsystem_devtype", ctypes.c_int, [P, S, S]),
    ("udev_monitor_filter_add_match_tag", ctypes.c_int, [P, S]),
    ("udev_monitor_enable_receiving", ctypes.c_int, [P]),
    ("udev_monitor_get_fd", ctypes.c_int, [P]),
    ("udev_monitor_receive_device", P, [P]),
    ("udev_device_get_properties_list_entry", P, [P]),
    ("udev_list_entry_get_next", P, [P]),
    ("udev_list_entry_get_name", S, [P]),
    ("udev_list_entry_get_value", S, [P]),
]:
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args

mon = lib.udev_monitor_new_from_netlink(lib.udev_new(), b"udev")
assert mon
if sys.argv[2]:
    assert lib.udev_monitor_filter_add_match_subsystem_devtype(mon, sys.argv[2].encode(), None) == 0
if sys.argv[3]:
    assert lib.udev_monitor_filter_add_match_tag(mon, sys.argv[3].encode()) == 0
assert lib.udev_monitor_enable_receiving(mon) == 0

out = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15)
out.bind((0, 0))
out.sendto(bytes.fromhex(sys.argv[1]), (0, 2))  # group 2: udev

fd = lib.udev_monitor_get_fd(mon)
props = None
if select.select([fd], [], [], 0.5)[0]:
    dev = lib.udev_monitor_receive_device(mon)
    if dev:
        props = {}
        e = lib.udev_device_get_properties_list_entry(dev)
        while e:
            props[lib.udev_list_entry_get_name(e).decode()] = lib.udev_list_entry_get_value(e).decode()
            e = lib.udev_list_entry_get_next(e)
print(json.dumps({"properties": props}))
