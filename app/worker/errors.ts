/** The error a call gets when the worker died or hung under it and was restarted (see client.ts). */
export class EngineRestarted extends Error {
  override name = 'EngineRestarted';
}
