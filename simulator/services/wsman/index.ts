/** WS-MAN with HTTP Digest on 16992, as the simulated firmware serves it. */
export { createWsmanService, serveWsman } from './service.js'
export { DEFAULT_WSMAN_SERVICE_OPTIONS, type WsmanServiceOptions } from './options.js'
export { WSMAN_STATE, WsmanDeviceState, type KvmSettings } from './state.js'
export { SIMULATED_CLASSES } from './classes/index.js'
export { identifyInfo } from './dispatch.js'
export { serverHeader, unauthorizedPage } from './http-replies.js'
export { platformGuid } from './classes/general.js'
export { isAcceptableRfbPassword } from './classes/redirection.js'
