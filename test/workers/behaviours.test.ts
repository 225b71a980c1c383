// The fetch adapter's behaviour suite, run inside workerd.
import { describeFetchAdapter } from '../adapters/cloudflare/behaviours.js';

describeFetchAdapter('workerd');
