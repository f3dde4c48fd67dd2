/** @module Interface nlwire:shim/types@0.1.0 **/
export type Errno = number;
export interface Datagram {
  data: Uint8Array,
  length: number,
  fromPort: number,
  nsid?: number,
}
export type Netns = NetnsPath | NetnsFd;
export interface NetnsPath {
  tag: 'path',
  val: string,
}
export interface NetnsFd {
  tag: 'fd',
  val: number,
}
