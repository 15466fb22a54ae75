/** Name material for generated tenants: plausible, varied, deterministic under a seed. */
export const FIRST_NAMES = (
  'Adele Alex Allan Amara Ana Ben Bianca Carlos Chen Chloe Daniel Diego Elena Emma ' +
  'Fatima Felix Grace Hana Henrik Isabel Ivan Jana Johanna Jonas Kenji Lara Lee ' +
  'Lena Lidia Lucas Lynne Maria Mateo Megan Miriam Nestor Nia Noah Olga Omar Patti ' +
  'Pradeep Priya Rafael Rosa Sakura Samir Sara Sofia Tomas Uma Victor Wei Yara ' +
  'Yusuf Zoe'
).split(' ');

export const LAST_NAMES = (
  'Adams Alvarez Andersen Bauer Brown Castro Chen Costa Dubois Eriksson Fernandes ' +
  'Fischer Garcia Gupta Hansen Hoffmann Ito Jansen Johnson Kim Kowalski Larsen ' +
  'Lopez Martin Meyer Moreau Müller Nakamura Nguyen Novak Okafor Olsen Patel ' +
  'Peralta Petrov Quinn Rossi Santos Schmidt Silva Singh Smith Sousa Tanaka Taylor ' +
  "Varga Wagner Wang Weber Wilson O'Brien Yilmaz Zhang"
).split(' ');

export const DEPARTMENTS = (
  'Engineering|Sales|Marketing|Finance|Human Resources|Legal|Operations|' +
  'Customer Success|IT|Research|Procurement|Support'
).split('|');

export const JOB_TITLES = (
  'Engineer|Senior Engineer|Manager|Director|Analyst|Consultant|Specialist|' +
  'Coordinator|Administrator|Account Executive|Designer|Architect'
).split('|');

export const GROUP_TOPICS = (
  'Sales Marketing Engineering Finance HR Legal Operations Support IT Research ' +
  'Design Security Platform Data Mobile Web Partners Facilities'
).split(' ');

export const GROUP_QUALIFIERS = (
  'Team Leads All Project Admins Readers Contractors Interns Managers Champions ' +
  'Guild Committee'
).split(' ');

export const REGIONS = 'EMEA|APAC|AMER|DACH|Nordics|UK|US East|US West|LATAM'.split('|');

export const PARTNER_DOMAINS =
  'fabrikam.com northwind.example tailspin.example adatum.example'.split(' ');

/** mulberry32: a tiny seeded PRNG, so a seed always yields the same tenant. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
