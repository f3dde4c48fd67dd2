/*
 * The canonical ABI of wasm/wit/shim.wit, written by hand (no wit-bindgen
 * for C here): the memory layouts of the results that cross the component
 * boundary, and the names under which the core module imports and exports.
 *
 * A result<T, errno> is a u8 case (0 ok, 1 err) followed by T or the errno,
 * each at its own alignment; functions whose results do not fit in one core
 * value pass them through memory: an import writes them at a pointer the
 * guest passes last, an export returns a pointer to them.
 */
#ifndef NLSHIM_WASI_ABI_H
#define NLSHIM_WASI_ABI_H

#include <stdint.h>

#define NLS_WIT_SYS "nlwire:shim/sys@0.1.0"
#define NLS_WIT_SHIM "nlwire:shim/shim@0.1.0#"

/* list<u8> and string: a pointer and a length into linear memory. */
struct abi_bytes {
  uint8_t *ptr;
  uint32_t len;
};

/* types.datagram */
struct abi_datagram {
  struct abi_bytes data;
  uint32_t length;
  uint32_t from_port;
  uint8_t has_nsid;
  int32_t nsid;
};

/* result<_, errno>: the errno sits at its own alignment, 2. */
struct abi_unit_result {
  uint8_t is_err;
  uint16_t err;
};

/* result<s32, errno> and result<u32, errno>: the payload is 4-aligned. */
struct abi_int_result {
  uint8_t is_err;
  union {
    int32_t ok;
    uint16_t err;
  } val;
};

/* result<tuple<u32, u32>, errno> */
struct abi_pair_result {
  uint8_t is_err;
  union {
    struct {
      uint32_t a, b;
    } ok;
    uint16_t err;
  } val;
};

/* result<datagram, errno> */
struct abi_datagram_result {
  uint8_t is_err;
  union {
    struct abi_datagram ok;
    uint16_t err;
  } val;
};

_Static_assert(sizeof(struct abi_datagram) == 24 && sizeof(struct abi_datagram_result) == 28, "datagram layout");
_Static_assert(sizeof(struct abi_unit_result) == 4 && sizeof(struct abi_int_result) == 8, "result layouts");
_Static_assert(sizeof(struct abi_pair_result) == 12, "pair layout");

/*
 * The next allocation the host makes through cabi_realloc lands here when it
 * fits: the bytes of a received datagram go straight into the caller's
 * buffer instead of a fresh block that would be copied and freed.
 */
void abi_expect_bytes(void *dest, uint32_t capacity);
/* True if `p` is the buffer abi_expect_bytes offered (and takes the offer back). */
int abi_got_expected(const void *p);

#endif
