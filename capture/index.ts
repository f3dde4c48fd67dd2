export { readCaptureFile, decodeCaptureFile } from "./file.js";
export { PcapngRecorder, recordTo, type RecorderOptions } from "./record.js";
export { liveGenlMap } from "./live-genl.js";
