// Imported first by main.ts: telemetry must start before Nest and the clients it instruments load.
import { startTelemetry } from './platform/telemetry/telemetry';

startTelemetry();
