/** @module Interface nlwire:shim/shim@0.1.0 **/
export function optionNames(): Array<string>;
export function open(protocol: number, netns: Netns | undefined): number;
export function bind(fd: number, groups: number): void;
export function joinGroup(fd: number, group: number): void;
export function leaveGroup(fd: number, group: number): void;
export function setOption(fd: number, which: number, value: number): void;
export function getOption(fd: number, which: number): number;
export function portId(fd: number): number;
export function send(fd: number, data: Uint8Array): number;
export function nextSize(fd: number, probe: number): number;
export function recv(fd: number, capacity: number): Datagram;
export function take(fd: number, probe: number): Datagram;
export function close(fd: number): void;
export type Errno = import('./nlwire-shim-types.js').Errno;
export type Datagram = import('./nlwire-shim-types.js').Datagram;
export type Netns = import('./nlwire-shim-types.js').Netns;
