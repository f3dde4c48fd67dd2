/** @module Interface nlwire:shim/sys@0.1.0 **/
export function socket(protocol: number): number;
export function bind(fd: number, portId: number, groups: number): void;
export function getsockname(fd: number): [number, number];
export function setsockopt(fd: number, level: number, name: number, value: number): void;
export function getsockopt(fd: number, level: number, name: number): number;
export function sendto(fd: number, data: Uint8Array, portId: number, groups: number): number;
export function recv(fd: number, len: number, flags: number): Datagram;
export function close(fd: number): void;
export function netnsCurrent(): number;
export function netnsOpen(path: string): number;
export function netnsEnter(fd: number): void;
export function fatal(message: string): void;
export type Errno = import('./nlwire-shim-types.js').Errno;
export type Datagram = import('./nlwire-shim-types.js').Datagram;
